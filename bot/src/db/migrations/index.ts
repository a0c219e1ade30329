/** Every migration this build knows, as classes (never globbed from disk), oldest first. */
import { InitialSchema1767225600000 } from "./1767225600000-initial-schema.js";

export const migrations = [InitialSchema1767225600000];
