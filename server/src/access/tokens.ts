import { createHash, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { unauthenticated } from "../errors.ts";

/** Claims of the short-lived access token. `sid` ties it to a session that logout revokes. */
export interface AccessClaims {
  sub: string;
  sid: string;
  role: string;
}

const ISSUER = "hom";
const AUDIENCE = "hom-api";
/** Verified tokens remembered (a tablet sends the same token for 15 minutes). */
const VERIFIED_CACHE_SIZE = 2000;

export class TokenSigner {
  // A KeyObject, made once: jose would otherwise import the raw secret on every call.
  readonly #key: KeyObject;
  readonly ttlSeconds: number;
  /**
   * Token → claims and expiry, for tokens whose signature was checked already. Checking an
   * HMAC is a thread-pool job per request; remembering the answer is safe because a token's
   * signature never changes. Expiry is still checked on every use, and revocation is the
   * session check that follows (auth-hook), which never comes from here.
   */
  readonly #verified = new Map<string, { claims: AccessClaims; expiresAt: number }>();

  constructor(secret: string, ttlSeconds: number) {
    this.#key = createSecretKey(Buffer.from(secret, "utf8"));
    this.ttlSeconds = ttlSeconds;
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sid, role: claims.role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.#key);
  }

  /** Verifies signature, algorithm (HS256 only: `alg: none` and others are refused), issuer, audience and expiry. */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.#verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known.claims;
      this.#verified.delete(token);
      throw unauthenticated("Token expired");
    }
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string") throw unauthenticated("Invalid token");
      const claims = { sub: payload.sub, sid: payload.sid, role: String(payload.role) };
      if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, { claims, expiresAt: (payload.exp ?? 0) * 1000 });
      return claims;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated("Token expired");
      throw unauthenticated("Invalid token");
    }
  }
}

/** Opaque refresh tokens: only their SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newSecret(): string {
  return randomBytes(48).toString("base64url");
}
