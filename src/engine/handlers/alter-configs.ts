// AlterConfigs: replaces a topic's whole config set (keys left out go back to their defaults),
// validated as at creation (unknown key or bad value: INVALID_CONFIG), stored in the topic's
// meta.json and applied to its partitions at once. Broker configs are read-only.
//
// AlterConfigs Request (Version: 2) => [resources] validate_only _tagged_fields
//   resources => resource_type resource_name [configs] _tagged_fields
//     configs => name value _tagged_fields
// AlterConfigs Response (Version: 2) => throttle_time_ms [responses] _tagged_fields
//   responses => error_code error_message resource_type resource_name _tagged_fields

import type { AlterConfigsRequest, AlterConfigsResponse } from "../../protocol/messages/alter-configs.ts";
import type { Handler } from "../handler-context.ts";
import { changeTopicConfigs, type ConfigChange } from "../topic-config-change.ts";

export const handleAlterConfigs: Handler<AlterConfigsRequest, AlterConfigsResponse> = async (request, ctx) => {
  const responses = [];
  for (const resource of request.resources) {
    const change: ConfigChange = () => Object.fromEntries(resource.configs.map(({ name, value }) => [name, value ?? null]));
    const [errorCode, errorMessage] = await changeTopicConfigs(ctx, resource, change, request.validateOnly);
    responses.push({ errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName });
  }
  return { throttleTimeMs: 0, responses };
};
