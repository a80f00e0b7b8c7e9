// What the admin API shows a user, as Kafka's own APIs would: ListTopics and ListGroups list only
// the topics and groups the user may DESCRIBE; a topic's configs need DESCRIBE_CONFIGS (as
// DescribeConfigs does); a group's offsets show only topics the user may DESCRIBE (as OffsetFetch
// does). The overview's broker-wide figures need DESCRIBE on the cluster; without it, the counts
// cover what the user may see and the traffic totals are left out.

import type { BrokerAdmin, Overview } from "../engine/admin/broker-admin.ts";
import type { GroupDetail, GroupSummary } from "../engine/admin/groups-admin.ts";
import type { TopicDetail, TopicSummary } from "../engine/admin/topics-admin.ts";
import { Operation } from "../security/acl.ts";
import type { HttpAccess } from "./http-access.ts";

export function listedTopics(admin: BrokerAdmin, access: HttpAccess): TopicSummary[] {
  return admin.listTopics().filter((topic) => access.allowsTopic(Operation.DESCRIBE, topic.name));
}

/** A topic the user may DESCRIBE (the route checked); its configs only with DESCRIBE_CONFIGS. */
export function describedTopic(admin: BrokerAdmin, name: string, access: HttpAccess): TopicDetail {
  const detail = admin.describeTopic(name);
  return access.allowsTopic(Operation.DESCRIBE_CONFIGS, name) ? detail : { ...detail, configs: [] };
}

export function listedGroups(admin: BrokerAdmin, access: HttpAccess): GroupSummary[] {
  return admin
    .listGroups()
    .filter((group) => access.allowsGroup(Operation.DESCRIBE, group.groupId))
    .map((group) => {
      const topics = group.topics.filter((topic) => access.allowsTopic(Operation.DESCRIBE, topic));
      // The lag then covers the visible topics only: the group's detail sums it over them.
      return topics.length === group.topics.length ? group : { ...group, topics, lag: describedGroup(admin, group.groupId, access).lag };
    });
}

/** A group the user may DESCRIBE (the route checked), with the offsets of topics it may DESCRIBE. */
export function describedGroup(admin: BrokerAdmin, groupId: string, access: HttpAccess): GroupDetail {
  const detail = admin.describeGroup(groupId);
  const offsets = detail.offsets.filter((row) => access.allowsTopic(Operation.DESCRIBE, row.topic));
  if (offsets.length === detail.offsets.length) return detail;
  return {
    ...detail,
    topics: detail.topics.filter((topic) => access.allowsTopic(Operation.DESCRIBE, topic)),
    offsets,
    lag: offsets.reduce((sum, row) => sum + row.lag, 0),
  };
}

export function overviewFor(admin: BrokerAdmin, access: HttpAccess): Overview {
  const overview = admin.overview();
  if (access.allowsCluster(Operation.DESCRIBE)) return overview;
  const topics = listedTopics(admin, access);
  return {
    ...overview,
    topics: topics.length,
    partitions: topics.reduce((sum, topic) => sum + topic.partitions, 0),
    sizeBytes: topics.reduce((sum, topic) => sum + topic.sizeBytes, 0),
    groups: listedGroups(admin, access).length,
    totals: null,
  };
}
