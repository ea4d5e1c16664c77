package io.bosun.xds;

import io.bosun.xds.auth.NodeAdmission;

/**
 * What every stream of one server is held to: how its node is grouped and admitted, who hears of
 * a new group, where streams are counted, and how many groups one principal may hold.
 */
record StreamRules(ProxyGrouping grouping, NewGroupListener listener, ProxyGroups groups, NodeAdmission admission,
                   int groupsPerPrincipal) {
}
