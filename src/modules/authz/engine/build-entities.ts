import type { CedarValueJson, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { OrgId } from '../../../lib/ids.js';
import type { Principal, PrincipalKind } from '../principal.js';
import type { ResourceDescriptor } from './types.js';

/** What Cedar needs for one request: the principal and resource uids and the entities around them. */
export interface EntitySlice {
  principal: TypeAndId;
  resource: TypeAndId;
  entities: EntityJson[];
}

const principalTypes: Record<PrincipalKind, string> = {
  user: 'User',
  service_account: 'ServiceAccount',
  api_key: 'ApiKey',
};

function orgRef(orgId: string): CedarValueJson {
  return { __entity: { type: 'Org', id: orgId } };
}

function orgEntity(orgId: string, platformOrgId: OrgId): EntityJson {
  return {
    uid: { type: 'Org', id: orgId },
    attrs: { org: orgRef(orgId), platform: orgId === platformOrgId },
    parents: [],
  };
}

function resourceAttrs(resource: ResourceDescriptor, orgId: string): Record<string, CedarValueJson> {
  const attrs: Record<string, CedarValueJson> = { org: orgRef(orgId), id: resource.id };
  // SECURITY: only known attributes are copied, so a caller cannot smuggle in `org` or another trusted field.
  const given = resource.attributes;
  if (given?.region !== undefined) attrs['region'] = given.region;
  if (given?.project !== undefined) attrs['project'] = given.project;
  if (given?.ownerId !== undefined) attrs['ownerId'] = given.ownerId;
  if (given?.classification !== undefined) attrs['classification'] = given.classification;
  return attrs;
}

/**
 * Builds the minimal entity slice of a request: the principal with its role parents, the roles, the resource,
 * and the orgs involved. Nothing else is loaded, so policies can only depend on these.
 */
export function buildEntitySlice(
  principal: Principal,
  resource: ResourceDescriptor,
  platformOrgId: OrgId,
): EntitySlice {
  const principalUid: TypeAndId = { type: principalTypes[principal.kind], id: principal.id };
  const resourceUid: TypeAndId = { type: resource.type, id: resource.id };

  const principalAttrs: Record<string, CedarValueJson> = { org: orgRef(principal.orgId), id: principal.id };
  if (principal.attributes.region !== undefined) principalAttrs['region'] = principal.attributes.region;
  if (principal.attributes.projects !== undefined) principalAttrs['projects'] = [...principal.attributes.projects];
  if (principal.ownerId !== undefined) principalAttrs['ownerId'] = principal.ownerId;

  const entities: EntityJson[] = [];
  const orgIds = new Set<string>([principal.orgId]);
  const samePrincipalAndResource = principalUid.type === resourceUid.type && principalUid.id === resourceUid.id;

  if (resource.type === 'Org') {
    // INVARIANT: an Org resource belongs to itself; its descriptor's orgId is not trusted.
    orgIds.add(resource.id);
  } else if (resource.type === 'Platform') {
    // SECURITY: the Platform always belongs to the platform org, whatever the caller says.
    orgIds.add(platformOrgId);
    entities.push({ uid: resourceUid, attrs: { org: orgRef(platformOrgId) }, parents: [] });
  } else if (samePrincipalAndResource) {
    // A key or service account acting on itself: one entity, its trusted principal attributes winning.
    Object.assign(principalAttrs, { ...resourceAttrs(resource, principal.orgId), ...principalAttrs });
  } else {
    orgIds.add(resource.orgId);
    entities.push({
      uid: resourceUid,
      attrs: resourceAttrs(resource, resource.orgId),
      parents: [{ type: 'Org', id: resource.orgId }],
    });
  }

  const parents: TypeAndId[] = [...new Set(principal.roles)].map((role) => ({ type: 'Role', id: role }));
  for (const role of parents) entities.push({ uid: role, attrs: {}, parents: [] });
  parents.push({ type: 'Org', id: principal.orgId });
  entities.push({ uid: principalUid, attrs: principalAttrs, parents });
  for (const orgId of orgIds) entities.push(orgEntity(orgId, platformOrgId));
  return { principal: principalUid, resource: resourceUid, entities };
}
