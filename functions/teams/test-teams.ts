import { bearer } from "../../test/support/accounts";
import { send, type TestBindings } from "../../test/support/harness";

/** Test helpers of the teams suites: calls as a signed-in user. */

export interface TeamBody {
  id: string;
  name: string;
  kind: "team" | "class";
  role: string;
  memberCount: number;
  createdAt: string;
}

export interface ProblemBody {
  type: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** A request as the user behind `accessToken` (none: anonymous). */
export function call(
  bindings: TestBindings,
  accessToken: string | null,
  method: string,
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return send(bindings, path, {
    method,
    headers: { ...(accessToken ? bearer(accessToken) : {}), ...headers },
    ...(json !== undefined && { json }),
  });
}

/** Creates a team or class through the API (fails the test otherwise). */
export async function createTeamAs(
  bindings: TestBindings,
  accessToken: string,
  kind: "team" | "class" = "team",
  name = "Band",
): Promise<TeamBody> {
  const res = await call(bindings, accessToken, "POST", "/api/teams", { name, kind });
  if (res.status !== 201) throw new Error(`team creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TeamBody;
}

/** The problem type's slug (`…/problems/<slug>`). */
export async function problemSlug(res: Response): Promise<string> {
  const body = (await res.json()) as ProblemBody;
  return body.type.replace(/^.*\/problems\//, "");
}
