// Create / edit a scenario. The pipeline settings form is built from the API's own schema
// (components.schemas.PipelineSettings in /openapi.json): a setting added to the API appears here
// with its type, range, choices and default. The browser does not pre-validate (novalidate): the
// API's 422 details name each failing field (loc), and the message is shown next to that field.
import { call, resolveRef, schema } from "../api.js";
import { errorNotice, h, notice } from "../dom.js";
import { titleCase } from "../format.js";

const GROUPS = [
  { title: "Bedrock", fields: ["bedrock_model", "bedrock_inference", "prompt_tokens_per_invocation", "output_tokens_per_invocation"] },
  { title: "Lambda", fields: ["lambda_architecture", "lambda_memory_mb", "lambda_batch_size", "lambda_batching_window_s", "lambda_avg_duration_ms"] },
  { title: "SQS and ingress", fields: ["sqs_queue_type", "ingress"] },
  { title: "Projection", fields: ["include_free_tier"] },
];

export const LABELS = {
  bedrock_model: "Model",
  bedrock_inference: "Inference",
  prompt_tokens_per_invocation: "Prompt tokens per invocation",
  output_tokens_per_invocation: "Output tokens per invocation",
  lambda_architecture: "Architecture",
  lambda_memory_mb: "Memory (MB)",
  lambda_batch_size: "Batch size (logs per invocation)",
  lambda_batching_window_s: "Batching window (s)",
  lambda_avg_duration_ms: "Average duration (ms)",
  sqs_queue_type: "Queue type",
  ingress: "Front door",
  include_free_tier: "Apply the AWS free tier to the projection",
};

export function fieldId(loc) {
  return `f-${loc.join("-")}`;
}

/** The concrete schema of a property: $ref resolved, a nullable anyOf reduced to its non-null branch. */
export async function concrete(property) {
  let node = property;
  if (node.$ref) {
    node = { ...(await resolveRef(node.$ref)), ...node };
  }
  let nullable = false;
  if (Array.isArray(node.anyOf)) {
    const branches = node.anyOf.filter((b) => b.type !== "null");
    nullable = branches.length < node.anyOf.length;
    if (branches.length === 1) {
      let branch = branches[0];
      if (branch.$ref) {
        branch = await resolveRef(branch.$ref);
      }
      node = { ...branch, ...node, anyOf: undefined };
    }
  }
  if (node.allOf && node.allOf.length === 1 && node.allOf[0].$ref) {
    node = { ...(await resolveRef(node.allOf[0].$ref)), ...node };
  }
  return { ...node, nullable };
}

/** One input for a schema property; returns {element, read(), input}. */
export function settingField(name, spec, value, prefix = ["body", "pipeline"]) {
  const id = fieldId([...prefix, name]);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const label = LABELS[name] || spec.title || titleCase(name);
  const hintParts = [];
  if (spec.description) {
    hintParts.push(spec.description);
  }
  if (spec.minimum !== undefined || spec.maximum !== undefined) {
    hintParts.push(`${spec.minimum ?? "…"} to ${spec.maximum ?? "…"}`);
  }
  if (spec.default !== undefined && spec.default !== null && spec.type !== "boolean") {
    hintParts.push(`default ${spec.default}`);
  }
  const described = `${hintId} ${errorId}`;
  let input;
  let read;
  if (spec.type === "boolean") {
    input = h("input", { type: "checkbox", id, name, "aria-describedby": described, checked: Boolean(value ?? spec.default) });
    read = () => input.checked;
    return {
      input,
      read,
      element: h("div", { class: "field", "data-field": name },
        h("div", { class: "field check" }, input, h("label", { for: id }, label)),
        h("span", { class: "hint", id: hintId }, spec.description && spec.description !== label ? spec.description : ""),
        h("span", { class: "error", id: errorId, "aria-live": "polite" })),
    };
  }
  if (Array.isArray(spec.enum)) {
    input = h("select", { id, name, "aria-describedby": described },
      spec.nullable ? h("option", { value: "" }, "(not set)") : null,
      spec.enum.map((option) => h("option", { value: String(option), selected: String(value ?? spec.default) === String(option) }, String(option))));
    read = () => (input.value === "" ? null : input.value);
  } else if (spec.type === "integer" || spec.type === "number") {
    input = h("input", {
      type: "number", id, name, inputmode: spec.type === "integer" ? "numeric" : "decimal",
      step: spec.type === "integer" ? "1" : "any", min: spec.minimum, max: spec.maximum,
      value: value ?? spec.default ?? "", "aria-describedby": described,
    });
    read = () => {
      if (input.value.trim() === "") {
        return spec.nullable ? null : "";
      }
      const n = Number(input.value);
      return Number.isFinite(n) ? n : input.value;
    };
  } else {
    input = h("input", { type: "text", id, name, value: value ?? spec.default ?? "", "aria-describedby": described, autocomplete: "off", spellcheck: "false" });
    read = () => (input.value === "" && spec.nullable ? null : input.value);
  }
  return {
    input,
    read,
    element: h("div", { class: "field", "data-field": name },
      h("label", { for: id }, label), input,
      h("span", { class: "hint", id: hintId }, hintParts.join(" · ")),
      h("span", { class: "error", id: errorId, "aria-live": "polite" })),
  };
}

/** Put each 422 detail next to its field (by loc); returns the ones no field claimed. */
export function showFieldErrors(form, details) {
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
  }
  for (const holder of form.querySelectorAll(".error")) {
    holder.textContent = "";
  }
  const unclaimed = [];
  let first = null;
  for (const detail of details) {
    const loc = (detail.loc || []).map(String);
    let input = null;
    for (let end = loc.length; end > 1 && !input; end -= 1) {
      input = form.querySelector(`#${CSS.escape(fieldId(loc.slice(0, end)))}`);
    }
    if (!input) {
      unclaimed.push(detail);
      continue;
    }
    input.setAttribute("aria-invalid", "true");
    const holder = form.querySelector(`#${CSS.escape(`${input.id}-error`)}`);
    holder.textContent = holder.textContent ? `${holder.textContent}; ${detail.msg}` : detail.msg;
    first = first || input;
  }
  if (first) {
    first.focus();
  }
  return unclaimed;
}

export async function pipelineFields(current = {}, prefix = ["body", "pipeline"]) {
  const settings = await schema("PipelineSettings");
  const properties = (settings && settings.properties) || {};
  const known = new Set(GROUPS.flatMap((g) => g.fields));
  const groups = [...GROUPS, { title: "Other settings", fields: Object.keys(properties).filter((n) => !known.has(n)).sort() }];
  const readers = {};
  const fieldsets = [];
  for (const group of groups) {
    const fields = [];
    for (const name of group.fields) {
      if (!properties[name]) {
        continue;
      }
      const field = settingField(name, await concrete(properties[name]), current[name], prefix);
      readers[name] = field.read;
      fields.push(field.element);
    }
    if (fields.length) {
      fieldsets.push(h("fieldset", {}, h("legend", {}, group.title), h("div", { class: "form-grid" }, fields)));
    }
  }
  return { fieldsets, read: () => Object.fromEntries(Object.entries(readers).map(([k, read]) => [k, read()])) };
}

export async function renderForm({ main, scenarioId, navigate, isCurrent }) {
  const editing = Boolean(scenarioId);
  let scenario = null;
  if (editing) {
    try {
      scenario = await call("getScenario", { params: { scenario_id: scenarioId } });
    } catch (error) {
      main.append(errorNotice(error));
      return;
    }
  }
  const createSchema = await schema("ScenarioCreate");
  const regionDefault = (createSchema && createSchema.properties && createSchema.properties.region && createSchema.properties.region.default) || "us-east-1";
  if (!isCurrent()) {
    return;
  }
  const field = (name, label, input, hint) => h("div", { class: "field" },
    h("label", { for: input.id }, label), input,
    hint ? h("span", { class: "hint", id: `${input.id}-hint` }, hint) : null,
    h("span", { class: "error", id: `${input.id}-error`, "aria-live": "polite" }));
  const name = h("input", { id: fieldId(["body", "name"]), name: "name", required: true, maxlength: 255, value: scenario ? scenario.name : "", autocomplete: "off", "aria-describedby": `${fieldId(["body", "name"])}-error` });
  const region = h("input", { id: fieldId(["body", "region"]), name: "region", value: scenario ? scenario.region : regionDefault, autocomplete: "off", spellcheck: "false", "aria-describedby": `${fieldId(["body", "region"])}-hint ${fieldId(["body", "region"])}-error` });
  const tags = h("input", { id: fieldId(["body", "tags"]), name: "tags", value: scenario ? scenario.tags.join(", ") : "", autocomplete: "off", "aria-describedby": `${fieldId(["body", "tags"])}-hint ${fieldId(["body", "tags"])}-error` });
  const description = h("textarea", { id: fieldId(["body", "description"]), name: "description", rows: 2, maxlength: 2000, "aria-describedby": `${fieldId(["body", "description"])}-error` });
  description.value = scenario && scenario.description ? scenario.description : "";
  const pipeline = await pipelineFields(scenario ? scenario.pipeline : {});
  const formError = h("div", { "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "save-scenario" }, editing ? "Save changes" : "Create scenario");
  const form = h("form", { novalidate: true, id: "scenario-form", "aria-labelledby": "form-title" },
    formError,
    h("fieldset", {}, h("legend", {}, "Scenario"), h("div", { class: "form-grid" },
      field("name", "Name", name),
      field("region", "Region", region, "AWS region whose prices apply, e.g. us-east-1"),
      field("tags", "Tags", tags, "Comma-separated"),
      field("description", "Description", description))),
    pipeline.fieldsets,
    h("div", { class: "form-actions" },
      h("a", { href: editing ? `#/scenarios/${scenarioId}` : "#/", class: "btn btn-ghost" }, "Cancel"), submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    formError.replaceChildren();
    const body = {
      name: name.value,
      region: region.value.trim(),
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      description: description.value.trim() === "" ? null : description.value,
      pipeline: pipeline.read(),
    };
    try {
      const saved = editing
        ? await call("updateScenario", { params: { scenario_id: scenarioId }, body })
        : await call("createScenario", { body });
      navigate(`/scenarios/${saved.id}`);
    } catch (error) {
      const unclaimed = error.status === 422 ? showFieldErrors(form, error.details) : [];
      if (error.status !== 422 || unclaimed.length || !error.details.length) {
        formError.replaceChildren(errorNotice(error));
      } else {
        formError.replaceChildren(notice("Some settings were refused: see the messages next to the fields.", "error"));
      }
    } finally {
      submit.disabled = false;
    }
  });
  main.append(
    h("div", { class: "page-head" }, h("div", {},
      h("div", { class: "crumbs" }, h("a", { href: "#/" }, "Scenarios"), editing ? [" / ", h("a", { href: `#/scenarios/${scenarioId}` }, scenario.name)] : null),
      h("h1", { id: "form-title", tabindex: "-1" }, editing ? `Edit ${scenario.name}` : "Create scenario"),
      h("p", { class: "sub" }, "The pipeline settings are what the replay is priced with; every one can be changed later with a what-if.")),
    ),
    form,
  );
  name.focus();
}
