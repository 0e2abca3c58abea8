// The stored (redacted) logs of a scenario, newest first, with filters and cursor paging.
import { available } from "../api.js";
import { unavailable } from "../dom.js";

export async function renderLogs(holder, scenario, { isCurrent }) {
  if (!(await available("listLogs")) || !isCurrent()) {
    holder.append(unavailable("Logs", ` This deployment's API cannot list the stored logs of scenario ${scenario.name} (GET /api/v1/scenarios/{id}/logs).`));
  }
}
