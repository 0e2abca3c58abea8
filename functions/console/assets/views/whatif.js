// What-if: reprice the stored usage with other settings (estimates API); model ranking.
import { available } from "../api.js";
import { unavailable } from "../dom.js";

export async function renderWhatIf(holder, scenario, { isCurrent }) {
  if (!(await available("estimate")) || !isCurrent()) {
    holder.append(unavailable("What-if", ` This deployment's API has no estimates route (POST /api/v1/scenarios/{id}/estimates) to reprice ${scenario.name}.`));
  }
}

export async function renderModels(holder, scenario, { isCurrent }) {
  if (!(await available("rankModels")) || !isCurrent()) {
    holder.append(unavailable("Model ranking", ` This deployment's API has no model ranking (GET /api/v1/scenarios/{id}/estimates/models) for ${scenario.name}.`));
  }
}
