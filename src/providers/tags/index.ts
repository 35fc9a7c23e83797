/**
 * TagResource, UntagResource, ListTagsForResource for every taggable resource type. Each provider
 * that owns taggable resources says how to tell whether one exists (`ApiProvider.taggable`, by the
 * ARN's resource type); the tags themselves live in the tags store.
 */
import { errors } from '../../api/errors';
import type { ApiProvider, TaggableResources } from '../../api/handlers';
import type { RequestContext } from '../../runtime/context';
import { parseArn } from '../../runtime/scope';
import type { ProviderDeps } from '../deps';

export function createTagsProvider({ stores }: ProviderDeps, taggable: TaggableResources): ApiProvider {
  /** The ARN of an existing resource of the caller's, or AWS's ResourceNotFoundException. */
  function resolve(ctx: RequestContext, resourceArn: string): string {
    const parsed = parseArn(resourceArn);
    const exists = parsed && taggable[parsed.type];
    if (!parsed || !exists || parsed.region !== ctx.region || parsed.account !== ctx.account || !exists(ctx, parsed.path)) {
      throw errors.resourceNotFound(`The resource ${resourceArn} does not exist.`);
    }
    return resourceArn;
  }

  return {
    name: 'tags',
    handlers: {
      TagResource: {
        handle: (input, ctx) => {
          stores.tags.in(ctx).add(resolve(ctx, input.ResourceArn), input.Tags);
          return {};
        },
      },
      UntagResource: {
        handle: (input, ctx) => {
          stores.tags.in(ctx).remove(resolve(ctx, input.ResourceArn), input.TagKeys);
          return {};
        },
      },
      ListTagsForResource: { handle: (input, ctx) => ({ Tags: stores.tags.in(ctx).list(resolve(ctx, input.ResourceArn)) }) },
    },
  };
}
