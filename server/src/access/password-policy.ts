import { readFileSync } from "node:fs";
import path from "node:path";
import type { ErrorDetail } from "../errors.ts";

/**
 * The password policy (docs/security.md): long enough, not the username, not a well-known
 * weak password. Length beats composition rules (NIST SP 800-63B): a 12-character phrase a
 * technician can type on a tablet is stronger than `P@ssw0rd!` and easier to remember.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

let common: ReadonlySet<string> | undefined;

/** The bundled list (lower case), read once on first use. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(
    readFileSync(path.join(import.meta.dirname, "common-passwords.txt"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
  return common;
}

/** One character repeated, or a run like `abcdefghijkl` / `987654321098`: guessed first by any attacker. */
function isTrivialPattern(password: string): boolean {
  const codes = [...password.toLowerCase()].map((c) => c.codePointAt(0)!);
  const steps = new Set(codes.slice(1).map((code, i) => code - codes[i]));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0]);
}

/**
 * The problems of a password, as field-level details (empty when it is acceptable). `field`
 * names the input field so REST and GraphQL report it where the user typed it.
 */
export function passwordProblems(password: string, username: string | undefined, field = "password"): ErrorDetail[] {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return [{ field, message: `must be at least ${PASSWORD_MIN_LENGTH} characters`, code: "password_too_short" }];
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters`, code: "password_too_long" }];
  }
  const lower = password.toLowerCase();
  if (username && lower === username.trim().toLowerCase()) {
    return [{ field, message: "must not be the username", code: "password_is_username" }];
  }
  if (commonPasswords().has(lower) || isTrivialPattern(password)) {
    return [{ field, message: "is too common; choose a less guessable password", code: "password_too_common" }];
  }
  return [];
}
