import { z } from "@hono/zod-openapi";

/** Base64url text (WebAuthn's JSON encoding of bytes), bounded. */
const B64 = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, "must be base64url")
    .min(1)
    .max(max);

const Transports = z.array(z.string().max(32)).max(8);

/** A credential in the options of a ceremony (PublicKeyCredentialDescriptorJSON). */
const Descriptor = z
  .object({ id: z.string(), type: z.literal("public-key"), transports: z.array(z.string()).optional() })
  .meta({ id: "PublicKeyCredentialDescriptorJSON" });

/** `navigator.credentials.create()` options (WebAuthn L3 PublicKeyCredentialCreationOptionsJSON). */
export const CreationOptions = z
  .object({
    rp: z.object({ id: z.string(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ type: z.literal("public-key"), alg: z.number().int() })),
    timeout: z.number().int(),
    excludeCredentials: z.array(Descriptor),
    authenticatorSelection: z.object({
      residentKey: z.literal("required"),
      requireResidentKey: z.literal(true),
      userVerification: z.literal("required"),
    }),
    attestation: z.literal("none"),
    extensions: z.object({ credProps: z.literal(true) }),
  })
  .meta({ id: "PublicKeyCredentialCreationOptionsJSON" });

/** `navigator.credentials.get()` options (WebAuthn L3 PublicKeyCredentialRequestOptionsJSON). */
export const RequestOptions = z
  .object({
    challenge: z.string(),
    timeout: z.number().int(),
    rpId: z.string(),
    allowCredentials: z.array(Descriptor).optional(),
    userVerification: z.literal("required"),
  })
  .meta({ id: "PublicKeyCredentialRequestOptionsJSON" });

/** What `create()` resolves to, as JSON (RegistrationResponseJSON; unknown fields ignored). */
export const RegistrationResponseJSON = z
  .object({
    id: B64(1366),
    rawId: B64(1366),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: B64(4096),
      attestationObject: B64(16384),
      transports: Transports.optional(),
    }),
    authenticatorAttachment: z.string().max(32).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "RegistrationResponseJSON" });

/** What `get()` resolves to, as JSON (AuthenticationResponseJSON; unknown fields ignored). */
export const AuthenticationResponseJSON = z
  .object({
    id: B64(1366),
    rawId: B64(1366),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: B64(4096),
      authenticatorData: B64(4096),
      signature: B64(1024),
      userHandle: z.string().max(128).optional(),
    }),
    authenticatorAttachment: z.string().max(32).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "AuthenticationResponseJSON" });

const PasskeyName = z.string().trim().min(1).max(64);

/** Starting a registration: the current password when the account has one (shared/auth/owner-proof.ts). */
export const PasskeyOptionsBody = z
  .object({
    password: z.string().min(1).max(1024).optional().meta({
      description: "The current password, asked again; left out by an account that has none.",
    }),
  })
  .strict()
  .meta({ id: "PasskeyOptionsRequest" });

export const RegisterPasskeyBody = z
  .object({
    name: PasskeyName.optional().meta({ description: "Default: “Passkey” and the date." }),
    response: RegistrationResponseJSON,
  })
  .strict()
  .meta({ id: "RegisterPasskeyRequest" });

export const RenamePasskeyBody = z
  .object({ name: PasskeyName })
  .strict()
  .meta({ id: "RenamePasskeyRequest" });

export const PasskeySigninBody = z
  .object({ response: AuthenticationResponseJSON, returnRefreshToken: z.boolean().optional() })
  .strict()
  .meta({ id: "PasskeySigninRequest" });

export const PasskeyIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const PasskeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "Passkey" });

export const PasskeyList = z.object({ passkeys: z.array(PasskeySchema) }).meta({ id: "PasskeyList" });
