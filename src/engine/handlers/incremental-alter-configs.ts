// IncrementalAlterConfigs: changes some of a topic's configs: SET (0) a value, DELETE (1) it
// (back to the default), APPEND (2) to or SUBTRACT (3) from a list config (cleanup.policy).
// Validated, stored and applied like AlterConfigs; broker configs are read-only.
//
// IncrementalAlterConfigs Request (Version: 1) => [resources] validate_only _tagged_fields
//   resources => resource_type resource_name [configs] _tagged_fields
//     configs => name config_operation value _tagged_fields
// IncrementalAlterConfigs Response (Version: 1) => throttle_time_ms [responses] _tagged_fields
//   responses => error_code error_message resource_type resource_name _tagged_fields

import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from "../../protocol/messages/incremental-alter-configs.ts";
import { ConfigType, topicConfigType } from "../config-resources.ts";
import type { Handler } from "../handler-context.ts";
import { ConfigChangeError, changeTopicConfigs, type ConfigChange } from "../topic-config-change.ts";

export const ConfigOperation = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

function listOf(value: string | undefined): string[] {
  return (value ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
}

export const handleIncrementalAlterConfigs: Handler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = async (request, ctx) => {
  const responses = [];
  for (const resource of request.resources) {
    const change: ConfigChange = (current, defaults) => {
      const next: Record<string, string | null> = { ...current };
      for (const { name, configOperation, value } of resource.configs) {
        if (configOperation === ConfigOperation.set) next[name] = value ?? null;
        else if (configOperation === ConfigOperation.delete) delete next[name];
        else if (configOperation === ConfigOperation.append || configOperation === ConfigOperation.subtract) {
          if (topicConfigType(name) !== ConfigType.list) throw new ConfigChangeError(`Topic config "${name}" is not a list: APPEND and SUBTRACT need one`);
          const items = listOf(next[name] ?? defaults[name]);
          const given = listOf(value ?? "");
          const result = configOperation === ConfigOperation.append ? [...items, ...given.filter((item) => !items.includes(item))] : items.filter((item) => !given.includes(item));
          next[name] = result.join(",");
        } else throw new ConfigChangeError(`Config operation ${configOperation} for "${name}" is not SET (0), DELETE (1), APPEND (2) or SUBTRACT (3)`);
      }
      return next;
    };
    const [errorCode, errorMessage] = await changeTopicConfigs(ctx, resource, change, request.validateOnly);
    responses.push({ errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName });
  }
  return { throttleTimeMs: 0, responses };
};
