// Every API route the console calls, by name. All requests go through api.js, which takes the
// method and path from here; tests/unit/test_console_assets.py checks this table against
// functions/docs/openapi.json. "optional": routes the console feature-detects in the live
// /openapi.json and shows as "not available" where the deployment lacks them.
export const ROUTES = {
  "listScenarios": {"method": "GET", "path": "/api/v1/scenarios"},
  "createScenario": {"method": "POST", "path": "/api/v1/scenarios"},
  "getScenario": {"method": "GET", "path": "/api/v1/scenarios/{scenario_id}"},
  "updateScenario": {"method": "PUT", "path": "/api/v1/scenarios/{scenario_id}"},
  "deleteScenario": {"method": "DELETE", "path": "/api/v1/scenarios/{scenario_id}"},
  "startScenario": {"method": "POST", "path": "/api/v1/scenarios/{scenario_id}/start"},
  "stopScenario": {"method": "POST", "path": "/api/v1/scenarios/{scenario_id}/stop"},
  "archiveScenario": {"method": "POST", "path": "/api/v1/scenarios/{scenario_id}/archive"},
  "getMetrics": {"method": "GET", "path": "/api/v1/scenarios/{scenario_id}/metrics"},
  "estimate": {"method": "POST", "path": "/api/v1/scenarios/{scenario_id}/estimates"},
  "rankModels": {"method": "GET", "path": "/api/v1/scenarios/{scenario_id}/estimates/models"},
  "compare": {"method": "GET", "path": "/api/v1/scenarios/compare"},
  "listLogs": {"method": "GET", "path": "/api/v1/scenarios/{scenario_id}/logs"},
  "hourlyTable": {"method": "GET", "path": "/api/v1/scenarios/{scenario_id}/hourly"},
  "sourcesTable": {"method": "GET", "path": "/api/v1/scenarios/{scenario_id}/sources"}
};
