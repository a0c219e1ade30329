/**
 * The checkout the deployer runs from (`deployer/src/local` or `deployer/dist/local`, three levels
 * down): where its run logs and the built-in sandbox target file live, whichever repo it deploys.
 */
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");
