import { fileURLToPath } from "node:url";

/** The repository's `sql/` folder, wherever the process was started from. */
export const sqlRoot = fileURLToPath(new URL("../../sql/", import.meta.url));
