// Validates AsyncAPI documents with AsyncAPI's own parser (its schema and
// Spectral rules): `node scripts/asyncapi-validate.mjs <parser dir> <doc>...`.
// Any error fails; warnings are printed and fail too, so the documents stay
// clean.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const [parserDir, ...docs] = process.argv.slice(2);
const require = createRequire(`${resolve(parserDir)}/`);
const { Parser } = require("@asyncapi/parser");
const parser = new Parser();
let failed = false;
for (const path of docs) {
  const diagnostics = await parser.validate(readFileSync(path, "utf8"), { source: path });
  const shown = diagnostics.filter((d) => d.severity <= 1); // 0 error, 1 warning
  for (const d of shown) {
    console.error(`${path}: ${d.severity === 0 ? "error" : "warning"} ${d.code}: ${d.message} at /${d.path.join("/")}`);
  }
  if (shown.length > 0) failed = true;
  else console.log(`${path}: valid`);
}
process.exit(failed ? 1 : 0);
