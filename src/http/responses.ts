// Response helpers every HTTP route shares: JSON bodies, errors in Elasticsearch's shape, and
// request bodies read with a size limit.

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** An error body as Elasticsearch writes it: `{"error":{"root_cause":[…],"type":…,"reason":…},"status":…}`. */
export function errorResponse(type: string, reason: string, status: number): Response {
  return json({ error: { root_cause: [{ type, reason }], type, reason }, status }, status);
}

/** A request the route cannot take: bad JSON, a bad parameter, a body too large. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Largest request body accepted, in bytes. */
export const requestBodyBytesMax = 1024 * 1024;

/** The body parsed as JSON; an empty body is `{}`. */
export async function readJsonBody(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > requestBodyBytesMax) throw new BadRequestError("illegal_argument_exception", `Request body is larger than ${requestBodyBytesMax} bytes`);
  const text = await request.text();
  if (text.length > requestBodyBytesMax) throw new BadRequestError("illegal_argument_exception", `Request body is larger than ${requestBodyBytesMax} bytes`);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError("parsing_exception", `Request body is not JSON: ${(error as Error).message}`);
  }
}
