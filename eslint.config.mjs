// ESLint for the web console's browser modules (functions/console/assets), run by `make test`.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["functions/console/assets/vendor/**"] },
  js.configs.recommended,
  {
    files: ["functions/console/assets/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "eqeqeq": "error",
      "no-var": "error",
      "prefer-const": "error",
      "curly": "error",
      "no-implicit-globals": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-unused-vars": ["error", { "args": "after-used", "argsIgnorePattern": "^_" }],
      "no-restricted-properties": ["error",
        { "property": "innerHTML", "message": "Build DOM with dom.js h(): API data is never parsed as HTML." },
        { "property": "outerHTML", "message": "Build DOM with dom.js h()." }],
      "no-restricted-syntax": ["error",
        { "selector": "CallExpression[callee.name='fetch']", "message": "Call the API through api.js call() (routes.js); only api.js fetches." }],
    },
  },
  {
    files: ["functions/console/assets/api.js"],
    rules: { "no-restricted-syntax": "off" },
  },
];
