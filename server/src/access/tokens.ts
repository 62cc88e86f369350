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

export class TokenSigner {
  // A KeyObject, made once: jose would otherwise import the raw secret on every call.
  readonly #key: KeyObject;
  readonly ttlSeconds: number;

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
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string") throw unauthenticated("Invalid token");
      return { sub: payload.sub, sid: payload.sid, role: String(payload.role) };
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
