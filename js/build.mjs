// Bundle every src/*.widget.ts into ../src/scalinglab/static/<name>.js (ESM) and, when the
// widget imports CSS, <name>.css. Everything (vega, vega-lite, vega-embed) comes from npm and
// is bundled: nothing is fetched at run time.  `node build.mjs [--watch] [--dev]`
import { build, context } from "esbuild";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "src", "scalinglab", "static");
const watch = process.argv.includes("--watch");
const dev = watch || process.argv.includes("--dev");

const entryPoints = readdirSync(join(here, "src"))
  .filter((f) => f.endsWith(".widget.ts"))
  .map((f) => ({ in: join(here, "src", f), out: f.replace(/\.widget\.ts$/, "") }));
if (entryPoints.length === 0) throw new Error("no src/*.widget.ts entry found");

mkdirSync(outdir, { recursive: true });
const options = {
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2020"],
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  legalComments: "none",
  logLevel: "info",
  define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
};

// embed.js: the offline renderer an HTML export loads as a classic <script> (see src/embed.ts).
const embedOptions = {
  ...options,
  entryPoints: [{ in: join(here, "src", "embed.ts"), out: "embed" }],
  format: "iife",
};

if (watch) {
  const ctx = await context(options);
  await ctx.watch();
  await (await context(embedOptions)).watch();
} else {
  await build(options);
  await build(embedOptions);
  console.log(`built ${[...entryPoints.map((e) => e.out), "embed"].join(", ")} → ${outdir}`);
}
