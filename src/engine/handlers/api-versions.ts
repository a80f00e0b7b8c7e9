// ApiVersions: which API keys and versions this broker speaks.
//
// ApiVersions Request (Version: 3) => client_software_name client_software_version _tagged_fields
// ApiVersions Response (Version: 3) => error_code [api_keys] throttle_time_ms _tagged_fields
//   api_keys => api_key min_version max_version _tagged_fields

import type { ApiVersionsRequest, ApiVersionsResponse } from "../../protocol/messages/api-versions.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";

/** The answer to any ApiVersions request, including one whose version we do not speak. */
export function apiVersionsResponse(ctx: Pick<HandlerContext, "advertisedApis">, errorCode: number): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: ctx.advertisedApis.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
  };
}

export const handleApiVersions: Handler<ApiVersionsRequest, ApiVersionsResponse> = async (_request, ctx) =>
  apiVersionsResponse(ctx, ErrorCode.NONE);
