/**
 * Import boundaries of duckmart, checked in CI (`npm run lint:imports`).
 *
 * The folders of src/ form layers; a module imports its own folder or a
 * lower layer, never a higher one and never a peer of its own layer. The
 * picture is in docs/contributing.md ("Layers"). Tests, bench and examples
 * sit above everything and may import any layer.
 */
const layers = [
  ["util"],
  ["sources"],
  ["log", "config"],
  ["warehouse", "storage"],
  ["ingest", "clv"],
  ["transform", "generate"],
  ["quality", "publish", "report"],
  ["serve"],
  ["run"],
  ["schedule", "jobs"],
  ["cli"],
];

/** The path pattern of a layer's folders (jobs/ lives beside src/). */
const folder = (name) => (name === "jobs" ? "^jobs/" : `^src/${name}/`);

const layerRules = layers.flatMap((layer, index) =>
  layer.map((name) => {
    const above = layers.slice(index + 1).flat();
    const peers = layer.filter((other) => other !== name);
    return {
      name: `layer-${name}`,
      comment: `src/${name} (layer ${index + 1}) imports only its own folder and lower layers: not ${[...peers, ...above].join(", ")}`,
      severity: "error",
      from: { path: folder(name) },
      to: { path: [...peers, ...above].map(folder).concat(["^src/index\\.ts$"]) },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-circular",
      comment: "Modules (and so folders) never import each other in a circle.",
      severity: "error",
      from: { path: "^(src|jobs)/" },
      to: { circular: true },
    },
    {
      name: "src-not-to-tests-or-bench",
      comment: "Shipped code never imports tests, benchmarks or examples.",
      severity: "error",
      from: { path: "^(src|jobs)/" },
      to: { path: "^(tests|bench|examples)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^node_modules/" },
    tsPreCompilationDeps: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
