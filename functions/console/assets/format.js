// Number and money formatting. Money stays an exact decimal string from the API; the console shows a
// rounded figure with the exact one in the title, and does arithmetic (differences) on scaled BigInts.

const integer = new Intl.NumberFormat("en-US");

export function count(value) {
  if (value === null || value === undefined || value === "") {
    return "–";
  }
  return integer.format(Number(value));
}

export function bytes(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) {
    return "–";
  }
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let scaled = n;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

/** "$1,234.57" for large amounts; small ones keep enough places to be non-zero (up to 6). */
export function usd(value) {
  if (value === null || value === undefined || value === "") {
    return "–";
  }
  const n = Number(value);
  if (!Number.isFinite(n)) {
    return String(value);
  }
  const abs = Math.abs(n);
  let digits = 2;
  if (abs > 0 && abs < 1) {
    digits = Math.min(6, Math.max(2, -Math.floor(Math.log10(abs)) + 2));
  }
  return n.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: digits });
}

export function percent(value) {
  const n = Number(value);
  return Number.isFinite(n) ? `${n.toFixed(n >= 10 || n === 0 ? 1 : 2)}%` : "–";
}

// exact decimals ---------------------------------------------------------------------------------

function parseDecimal(text) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
  if (!match) {
    return null;
  }
  const fraction = match[3] || "";
  return { sign: match[1] === "-" ? -1n : 1n, digits: BigInt(match[2] + fraction), scale: fraction.length };
}

function rescale(decimal, scale) {
  return decimal.sign * decimal.digits * 10n ** BigInt(scale - decimal.scale);
}

function render(value, scale) {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
  const whole = scale ? digits.slice(0, -scale) : digits;
  const fraction = scale ? `.${digits.slice(-scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** a - b of two exact decimal strings, exactly; null when either is not a decimal. */
export function subtractDecimal(a, b) {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) {
    return null;
  }
  const scale = Math.max(x.scale, y.scale);
  return render(rescale(x, scale) - rescale(y, scale), scale);
}

/** Signed money difference for display, e.g. "+$1.20" / "−$0.004". */
export function usdDelta(difference) {
  if (difference === null) {
    return "–";
  }
  const n = Number(difference);
  if (n === 0) {
    return "±$0.00";
  }
  return `${n > 0 ? "+" : "−"}${usd(Math.abs(n))}`;
}

/** Percentage change of b against a (numbers), or null when a is zero. */
export function change(a, b) {
  const base = Number(a);
  const other = Number(b);
  if (!Number.isFinite(base) || !Number.isFinite(other) || base === 0) {
    return null;
  }
  return ((other - base) / base) * 100;
}

export function signedPercent(value) {
  if (value === null) {
    return "";
  }
  const sign = value > 0 ? "+" : value < 0 ? "−" : "±";
  return `${sign}${Math.abs(value).toFixed(1)}%`;
}

export function dateTime(value) {
  if (!value) {
    return "–";
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function hourLabel(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().slice(5, 13).replace("T", " ") + ":00";
}

const ACRONYMS = new Set(["ip", "ssn", "iban", "aws", "api", "url", "sqs", "gb", "mb", "ms", "id", "llm", "pii", "jwt", "usd"]);

/** "lambda_memory_mb" -> "Lambda memory MB", "ip_address" -> "IP address". */
export function titleCase(snake) {
  const words = String(snake).split("_").filter(Boolean).map((word) => (ACRONYMS.has(word.toLowerCase()) ? word.toUpperCase() : word));
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
