/** Every migration this build knows, as classes (never globbed from disk), oldest first. */
import { InitialSchema1767225600000 } from "./1767225600000-initial-schema.js";
import { PollingHandover1767312000000 } from "./1767312000000-polling-handover.js";
import { LimitsAndFairClaims1767398400000 } from "./1767398400000-limits-and-fair-claims.js";

export const migrations = [InitialSchema1767225600000, PollingHandover1767312000000, LimitsAndFairClaims1767398400000];
