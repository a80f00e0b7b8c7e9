// ACL administration (kafka-acls.sh, rpk security acl): create, describe and delete access
// control entries. Any broker answers; each creation and each delete filter reports for itself.
//
// CreateAcls Request (Version: 3) => [creations] _tagged_fields
// DescribeAcls Request (Version: 3) => resource_type_filter resource_name_filter pattern_type_filter principal_filter host_filter operation permission_type _tagged_fields
// DeleteAcls Request (Version: 3) => [filters] _tagged_fields

import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { CreateAcls } from "../protocol/messages/create-acls.ts";
import { DeleteAcls } from "../protocol/messages/delete-acls.ts";
import { DescribeAcls } from "../protocol/messages/describe-acls.ts";
import type { AclBinding, AclBindingFilter } from "../security/acl.ts";
import type { Cluster } from "./cluster.ts";

export interface AclResult {
  binding: AclBinding;
  /** null when it was created (or deleted). */
  error: KafkaProtocolError | null;
}

function wireFilter(filter: AclBindingFilter) {
  return {
    resourceTypeFilter: filter.resourceType,
    resourceNameFilter: filter.resourceName,
    patternTypeFilter: filter.patternType,
    principalFilter: filter.principal,
    hostFilter: filter.host,
    operation: filter.operation,
    permissionType: filter.permission,
  };
}

function errorOf(errorCode: number, errorMessage: string | null | undefined, what: string): KafkaProtocolError | null {
  return errorCode === ErrorCode.NONE ? null : new KafkaProtocolError(errorCode, errorMessage ? `${what}: ${errorMessage}` : what);
}

export class AclAdmin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  async create(bindings: AclBinding[]): Promise<AclResult[]> {
    const connection = await this.#cluster.anyConnection();
    const response = await connection.request(CreateAcls, {
      creations: bindings.map((binding) => ({
        resourceType: binding.resourceType,
        resourceName: binding.resourceName,
        resourcePatternType: binding.patternType,
        principal: binding.principal,
        host: binding.host,
        operation: binding.operation,
        permissionType: binding.permission,
      })),
    });
    return bindings.map((binding, i) => {
      const result = response.results[i];
      return { binding, error: result === undefined ? new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, "the broker did not answer for this ACL") : errorOf(result.errorCode, result.errorMessage, "ACL") };
    });
  }

  async describe(filter: AclBindingFilter): Promise<AclBinding[]> {
    const connection = await this.#cluster.anyConnection();
    const response = await connection.request(DescribeAcls, wireFilter(filter));
    const error = errorOf(response.errorCode, response.errorMessage, "ACLs");
    if (error) throw error;
    return response.resources.flatMap((resource) =>
      resource.acls.map((acl) => ({
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        patternType: resource.patternType ?? 3,
        principal: acl.principal,
        host: acl.host,
        operation: acl.operation,
        permission: acl.permissionType,
      })),
    );
  }

  /** Deletes what each filter matches; answers the deleted bindings (a filter's failure is thrown). */
  async delete(filters: AclBindingFilter[]): Promise<AclBinding[]> {
    const connection = await this.#cluster.anyConnection();
    const response = await connection.request(DeleteAcls, { filters: filters.map(wireFilter) });
    const deleted: AclBinding[] = [];
    for (const result of response.filterResults) {
      const error = errorOf(result.errorCode, result.errorMessage, "ACLs");
      if (error) throw error;
      for (const acl of result.matchingAcls) {
        deleted.push({
          resourceType: acl.resourceType,
          resourceName: acl.resourceName,
          patternType: acl.patternType ?? 3,
          principal: acl.principal,
          host: acl.host,
          operation: acl.operation,
          permission: acl.permissionType,
        });
      }
    }
    return deleted;
  }
}
