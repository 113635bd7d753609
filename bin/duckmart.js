#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx, so no build step is needed.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
