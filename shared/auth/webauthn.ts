import {
  ClientDataType,
  COSEKeyType,
  type COSEPublicKey,
  coseAlgorithmEdDSA,
  coseAlgorithmES256,
  coseAlgorithmRS256,
  coseEllipticCurveEd25519,
  coseEllipticCurveP256,
  parseAttestationObject,
  parseAuthenticatorData,
  parseClientDataJSON,
} from "@oslojs/webauthn";
import { fromBase64Url, toBase64Url } from "../base64url";

/**
 * WebAuthn Level 3 ceremonies checked with WebCrypto: @oslojs/webauthn parses the CBOR and
 * binary structures, this module checks what the relying party must (§7.1 and §7.2): type,
 * challenge, origin, RP id hash, user presence and verification, signature, counter.
 * Attestation is "none": the statement is not checked, so registration trusts no authenticator
 * model, only the key it returns (what passkeys need).
 */

/** The algorithms offered at registration, most preferred first (COSE ids). */
export const SUPPORTED_ALGORITHMS = [coseAlgorithmES256, coseAlgorithmEdDSA, coseAlgorithmRS256] as const;

/** A check that failed: the field of the response at fault and why (never echoing its bytes). */
export class WebAuthnError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "WebAuthnError";
  }
}

/** What the relying party expects of one ceremony. */
export interface Expected {
  /** The challenge it issued (base64url). */
  challenge: string;
  rpId: string;
  origins: readonly string[];
}

/** A credential registration as the browser sends it (RegistrationResponseJSON, the fields used). */
export interface RegistrationResponse {
  id: string;
  rawId: string;
  response: { clientDataJSON: string; attestationObject: string; transports?: string[] };
}

/** An assertion as the browser sends it (AuthenticationResponseJSON, the fields used). */
export interface AuthenticationResponse {
  id: string;
  rawId: string;
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
}

/** A new credential that checked out, ready to store. */
export interface VerifiedCredential {
  credentialId: string;
  /** SPKI, base64url. */
  publicKey: string;
  algorithm: number;
  signCount: number;
  transports: string[];
}

/** A stored credential an assertion is checked against. */
export interface StoredCredential {
  publicKey: string;
  algorithm: number;
  signCount: number;
}

/** Bytes WebCrypto accepts (backed by an ArrayBuffer, as the DOM typings want). */
type Bytes = Uint8Array<ArrayBuffer>;

function decoded(path: string, text: string): Bytes {
  try {
    return new Uint8Array(fromBase64Url(text));
  } catch {
    throw new WebAuthnError(path, "is not base64url");
  }
}

/** The challenge the client data carries (the key of the stored challenge), without checking it. */
export function challengeOf(clientDataJSON: string): string {
  const path = "response.clientDataJSON";
  try {
    return toBase64Url(parseClientDataJSON(decoded(path, clientDataJSON)).challenge);
  } catch (error) {
    if (error instanceof WebAuthnError) throw error;
    throw new WebAuthnError(path, "is not WebAuthn client data");
  }
}

function checkClientData(encoded: Uint8Array, type: ClientDataType, expected: Expected): void {
  const path = "response.clientDataJSON";
  let data: ReturnType<typeof parseClientDataJSON>;
  try {
    data = parseClientDataJSON(encoded);
  } catch {
    throw new WebAuthnError(path, "is not WebAuthn client data");
  }
  if (data.type !== type) throw new WebAuthnError(path, "is for another ceremony");
  if (toBase64Url(data.challenge) !== expected.challenge)
    throw new WebAuthnError(path, "answers another challenge");
  if (!expected.origins.includes(data.origin))
    throw new WebAuthnError(path, "comes from an origin not allowed");
  // A page of another site embedding ours in an iframe: not offered, so refused.
  if (data.crossOrigin) throw new WebAuthnError(path, "comes from a cross-origin frame");
}

function checkFlags(
  authData: { userPresent: boolean; userVerified: boolean; verifyRelyingPartyIdHash(id: string): boolean },
  expected: Expected,
  path: string,
): void {
  if (!authData.verifyRelyingPartyIdHash(expected.rpId))
    throw new WebAuthnError(path, "is for another relying party id");
  if (!authData.userPresent) throw new WebAuthnError(path, "lacks user presence");
  // Required: a passkey alone signs in, so it must stand for two factors (held + PIN/biometric).
  if (!authData.userVerified) throw new WebAuthnError(path, "lacks user verification");
}

/** Registration (§7.1): the new credential, or a WebAuthnError naming the field at fault. */
export async function verifyRegistration(
  body: RegistrationResponse,
  expected: Expected,
): Promise<VerifiedCredential> {
  checkClientData(
    decoded("response.clientDataJSON", body.response.clientDataJSON),
    ClientDataType.Create,
    expected,
  );
  const path = "response.attestationObject";
  let attestation: ReturnType<typeof parseAttestationObject>;
  try {
    attestation = parseAttestationObject(decoded(path, body.response.attestationObject));
  } catch (error) {
    if (error instanceof WebAuthnError) throw error;
    throw new WebAuthnError(path, "is not a WebAuthn attestation object");
  }
  const authData = attestation.authenticatorData;
  checkFlags(authData, expected, path);
  const credential = authData.credential;
  if (!credential) throw new WebAuthnError(path, "holds no credential");
  const credentialId = toBase64Url(credential.id);
  if (credentialId !== body.rawId || credentialId !== body.id)
    throw new WebAuthnError("rawId", "differs from the attested credential id");
  const { algorithm, publicKey } = await spkiOf(credential.publicKey, path);
  return {
    credentialId,
    publicKey,
    algorithm,
    signCount: authData.signatureCounter,
    transports: (body.response.transports ?? []).slice(0, 8),
  };
}

/**
 * An assertion (§7.2) against the stored credential: returns the new signature counter. A counter
 * that should have grown and did not means a cloned authenticator: refused.
 */
export async function verifyAssertion(
  body: AuthenticationResponse,
  expected: Expected,
  stored: StoredCredential,
): Promise<{ signCount: number }> {
  const clientData = decoded("response.clientDataJSON", body.response.clientDataJSON);
  checkClientData(clientData, ClientDataType.Get, expected);
  const path = "response.authenticatorData";
  const rawAuthData = decoded(path, body.response.authenticatorData);
  let authData: ReturnType<typeof parseAuthenticatorData>;
  try {
    authData = parseAuthenticatorData(rawAuthData);
  } catch {
    throw new WebAuthnError(path, "is not WebAuthn authenticator data");
  }
  checkFlags(authData, expected, path);
  const clientDataHash = new Uint8Array(await crypto.subtle.digest("SHA-256", clientData));
  const signed = new Uint8Array(rawAuthData.length + clientDataHash.length);
  signed.set(rawAuthData);
  signed.set(clientDataHash, rawAuthData.length);
  const signature = decoded("response.signature", body.response.signature);
  if (!(await verifySignature(stored, signature, signed)))
    throw new WebAuthnError("response.signature", "does not verify");
  const counter = authData.signatureCounter;
  if ((counter !== 0 || stored.signCount !== 0) && counter <= stored.signCount)
    throw new WebAuthnError(path, "has a signature counter that went back (a cloned authenticator?)");
  return { signCount: counter };
}

const P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const ED25519 = { name: "Ed25519" } as const;

function importParams(algorithm: number) {
  if (algorithm === coseAlgorithmES256) return P256;
  if (algorithm === coseAlgorithmRS256) return RSA;
  return ED25519;
}

/** Big-endian bytes of a non-negative integer, left-padded to `size` bytes when given. */
function bytesOf(value: bigint, size?: number): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (size !== undefined) hex = hex.padStart(size * 2, "0");
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** The COSE key as a JWK for WebCrypto; only the algorithms offered at registration. */
function jwkOf(key: COSEPublicKey, path: string): { algorithm: number; jwk: JsonWebKey } {
  const algorithm = key.isAlgorithmDefined() ? key.algorithm() : Number.NaN;
  try {
    if (algorithm === coseAlgorithmES256 && key.type() === COSEKeyType.EC2) {
      const { curve, x, y } = key.ec2();
      if (curve === coseEllipticCurveP256) {
        const [bx, by] = [toBase64Url(bytesOf(x, 32)), toBase64Url(bytesOf(y, 32))];
        return { algorithm, jwk: { kty: "EC", crv: "P-256", x: bx, y: by } };
      }
    }
    if (algorithm === coseAlgorithmRS256 && key.type() === COSEKeyType.RSA) {
      const { n, e } = key.rsa();
      return { algorithm, jwk: { kty: "RSA", n: toBase64Url(bytesOf(n)), e: toBase64Url(bytesOf(e)) } };
    }
    if (algorithm === coseAlgorithmEdDSA && key.type() === COSEKeyType.OKP) {
      const { curve, x } = key.okp();
      if (curve === coseEllipticCurveEd25519)
        return { algorithm, jwk: { kty: "OKP", crv: "Ed25519", x: toBase64Url(x) } };
    }
  } catch {
    throw new WebAuthnError(path, "holds a malformed public key");
  }
  throw new WebAuthnError(path, "uses a key algorithm not offered (ES256, EdDSA, RS256)");
}

/** The credential's key as SPKI, checked importable now so sign-in never meets a bad one. */
async function spkiOf(key: COSEPublicKey, path: string): Promise<{ algorithm: number; publicKey: string }> {
  const { algorithm, jwk } = jwkOf(key, path);
  try {
    const imported = await crypto.subtle.importKey("jwk", jwk, importParams(algorithm), true, ["verify"]);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", imported)) as ArrayBuffer);
    return { algorithm, publicKey: toBase64Url(spki) };
  } catch {
    throw new WebAuthnError(path, "holds a public key that does not import");
  }
}

/**
 * An ASN.1 DER ECDSA signature (what authenticators send) as the r||s form WebCrypto verifies;
 * undefined when it is not one.
 */
function rawEcdsaSignature(der: Uint8Array): Bytes | undefined {
  if (der[0] !== 0x30 || der.length < 8) return undefined;
  const out = new Uint8Array(64);
  let at = der[1] === 0x81 ? 3 : 2;
  for (const offset of [0, 32]) {
    if (der[at] !== 0x02) return undefined;
    const length = der[at + 1] ?? 0;
    let int = der.subarray(at + 2, at + 2 + length);
    while (int.length > 32 && int[0] === 0) int = int.subarray(1);
    if (int.length > 32 || int.length === 0) return undefined;
    out.set(int, offset + 32 - int.length);
    at += 2 + length;
  }
  return at === der.length ? out : undefined;
}

async function verifySignature(stored: StoredCredential, signature: Bytes, data: Bytes): Promise<boolean> {
  const params = importParams(stored.algorithm);
  const spki = new Uint8Array(fromBase64Url(stored.publicKey));
  const key = await crypto.subtle.importKey("spki", spki, params, false, ["verify"]);
  if (stored.algorithm === coseAlgorithmES256) {
    const raw = rawEcdsaSignature(signature);
    if (!raw) return false;
    return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, data);
  }
  return crypto.subtle.verify(params, key, signature, data);
}
