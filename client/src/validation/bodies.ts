/**
 * The API's request schemas, rewritten with ./schema.ts. Each mirrors one zod schema of the
 * server (named in its comment); client/test/validation.test.ts proves they agree.
 */
import { isCommonPassword } from "../../../shared/auth/common-passwords";
import {
  array,
  boolean,
  isEmail,
  matches,
  maxLength,
  minLength,
  nullable,
  number,
  oneOf,
  optional,
  record,
  refine,
  type Schema,
  strictObject,
  string,
  union,
  unknown,
  uuid,
  withDefault,
} from "./schema";

/** functions/auth/schemas.ts EmailSchema. */
const email = (): Schema<string> => (input, path, issues) =>
  string({
    trim: true,
    lower: true,
    checks: [isEmail("must be a valid email address"), maxLength(254, "must be at most 254 characters")],
  })(input, path, issues);

/** NewPasswordSchema. */
const newPassword = string({
  checks: [
    minLength(8, "must be at least 8 characters"),
    maxLength(128, "must be at most 128 characters"),
    refine((p) => (isCommonPassword(p) ? "is too common; choose a less guessable password" : undefined)),
  ],
});

/** DisplayNameSchema. */
const displayName = string({
  trim: true,
  checks: [minLength(1, "must not be empty"), maxLength(80, "must be at most 80 characters")],
});

const returnRefreshToken = optional(boolean());

/** SignupBody. */
export const SignupBody = strictObject({
  email: email(),
  password: newPassword,
  displayName,
  returnRefreshToken,
});

/** SigninBody. */
export const SigninBody = strictObject({
  email: email(),
  password: string({ checks: [minLength(1), maxLength(1024)] }),
  returnRefreshToken,
});

/** The body of POST /api/auth/password/forgot. */
export const ForgotBody = strictObject({ email: email() });

const unit = () => number({ min: 0, max: 1 });

/** functions/patterns/schemas.ts TrackSchema. */
export const TrackSchema = strictObject({
  id: optional(string({ checks: [maxLength(64)] })),
  instrument: string({ trim: true, checks: [minLength(1), maxLength(40)] }),
  steps: array(union<boolean | number>(boolean(), unit()), { min: 1, max: 64 }),
  volume: unit(),
  pan: optional(number({ min: -1, max: 1 })),
  muted: optional(boolean()),
  solo: optional(boolean()),
});

/** MixerSchema. */
export const MixerSchema = strictObject({
  masterVolume: optional(unit()),
  swing: optional(unit()),
  effects: optional(
    record(
      string({ checks: [maxLength(40)] }),
      union<number | boolean | string>(number(), boolean(), string({ checks: [maxLength(100)] })),
    ),
  ),
});

const patternFields = {
  name: string({ trim: true, checks: [minLength(1), maxLength(120)] }),
  tempo: number({ int: true, min: 20, max: 300 }),
  tracks: array(TrackSchema, { max: 64 }),
  mixer: withDefault(MixerSchema, () => ({})),
  isPublic: withDefault(boolean(), () => false),
};

/** CreatePatternBody. */
export const CreatePatternBody = strictObject({ id: optional(uuid()), ...patternFields });

/** PutPatternBody (also what a sync upsert carries). */
export const PutPatternBody = strictObject(patternFields);

/** The `{id}` of pattern routes (path `param.id`). */
export const PatternIdParam = strictObject({ id: uuid() });

/** functions/progress/index.ts Attempt. */
export const AttemptBody = strictObject({
  lessonId: string({ checks: [minLength(1), maxLength(80)] }),
  score: number({ int: true, min: 0, max: 100 }),
  completed: withDefault(boolean(), () => false),
  attemptId: optional(uuid()),
});

/** The body of POST /api/progress/sync. */
export const ProgressSyncBody = strictObject({ attempts: array(AttemptBody, { max: 100 }) });

/** functions/shares/index.ts create body. */
export const CreateShareBody = strictObject({
  patternId: uuid(),
  public: withDefault(boolean(), () => true),
  expiresIn: withDefault(nullable(number({ int: true, min: 60, max: 365 * 86_400 })), () => null),
});

/** ShareIdParam (path `param.shareId`). */
export const ShareIdParam = strictObject({
  shareId: string({ checks: [matches(/^[0-9A-Za-z]{12,32}$/, "is not a share id")] }),
});

const slug = () =>
  string({
    checks: [matches(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a slug like drum-basics-1"), maxLength(80)],
  });

/** functions/lessons/index.ts `{id}` param (path `param.id`). */
export const LessonIdParam = strictObject({ id: slug() });

const lessonFields = {
  title: string({ trim: true, checks: [minLength(1), maxLength(120)] }),
  category: slug(),
  difficulty: oneOf(["beginner", "intermediate", "advanced"] as const),
  config: withDefault(record(string(), unknown()), () => ({})),
  isPremium: withDefault(boolean(), () => false),
  position: withDefault(number({ int: true, min: 0, max: 10_000 }), () => 0),
  published: withDefault(boolean(), () => true),
};

/** LessonBody. */
export const LessonBody = strictObject({ id: slug(), ...lessonFields });

/** LessonBody.omit({ id: true }) (PUT). */
export const LessonUpdateBody = strictObject(lessonFields);

/** The `{lessonId}` of GET /api/progress/{lessonId}. */
export const ProgressLessonParam = strictObject({
  lessonId: string({ checks: [minLength(1), maxLength(80)] }),
});
