/**
 * Users of a collection: CreateUser, DeleteUser, ListUsers, AssociateFaces, DisassociateFaces,
 * SearchUsers, SearchUsersByImage. A user is a named group of up to 100 stored faces; it matches a
 * query as well as its best face does (our choice: AWS does not say how it scores a user).
 *
 * UserStatus as AWS reports it (API_AssociateFaces, and the SDK examples of ListUsers,
 * AssociateFaces and DisassociateFaces): CREATED for a new user without faces; a call that changes
 * a user's faces answers UPDATING, and the user stays UPDATING for `config.userUpdateDelaySeconds`,
 * then is ACTIVE ("all associations or disassociations ... are complete"), also once its last face
 * is gone (our reading; AWS does not say). CREATING is never reported: no capture shows when AWS
 * uses it.
 */
import { descriptorFor, similarity, type DetectedFace, type FaceAnalysis } from '../../analysis/faces';
import { errors } from '../../api/errors';
import type {
  UnsearchedFace,
  UnsearchedFaceReason,
  UnsuccessfulFaceAssociation,
  UnsuccessfulFaceDisassociation,
  UserMatch,
  UserStatus,
} from '../../api/generated/types';
import type { Handler } from '../../api/handlers';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import { largestFirst, MAX_FACES_PER_IMAGE, qualityReasons } from '../../faces/quality';
import { searchUsers, userMatchConfidence } from '../../faces/search';
import { loadImage } from '../../media/image';
import type { Scope } from '../../runtime/scope';
import type { FaceRow } from '../../store/faces';
import type { UserRow } from '../../store/users';
import type { ProviderDeps } from '../deps';

/** AssociateFaces' UserMatchThreshold when absent (AWS-BEHAVIOUR §5). */
export const DEFAULT_ASSOCIATE_THRESHOLD = 75;
/** SearchUsers and SearchUsersByImage UserMatchThreshold when absent (AWS-BEHAVIOUR §5). */
export const DEFAULT_USER_MATCH_THRESHOLD = 80;
/** Faces one user may hold (API_AssociateFaces). */
export const MAX_FACES_PER_USER = 100;
/** ListUsers page size and SearchUsers MaxUsers when absent: undocumented; the model's maximum (our choice). */
export const DEFAULT_USER_PAGE = 500;

/** Message not captured from AWS (AWS-BEHAVIOUR §6); styled after the collection message. */
const userNotFound = (userId: string) => errors.resourceNotFound(`The user id: ${userId} does not exist`);

/** A user's status at `nowMs`: UPDATING while the last change of its faces is under way, else the settled status. */
export function userStatus(user: Pick<UserRow, 'user_status' | 'updating_until_ms'>, nowMs: number): UserStatus {
  return user.updating_until_ms !== null && nowMs < user.updating_until_ms ? 'UPDATING' : (user.user_status as UserStatus);
}

export function userHandlers({ runtime, stores }: ProviderDeps, analysis: FaceAnalysis) {
  const statusNow = (user: UserRow) => userStatus(user, runtime.clock.now());

  /** Starts the background update AWS runs after the user's faces changed; the caller is told UPDATING. */
  function startUpdate(scope: Scope, collection: string, userId: string): UserStatus {
    stores.users.in(scope).setUpdating(collection, userId, 'ACTIVE', runtime.clock.now() + runtime.config.userUpdateDelaySeconds * 1000);
    return 'UPDATING';
  }

  function requireUser(scope: Scope, collection: string, userId: string) {
    const user = stores.users.in(scope).get(collection, userId);
    if (!user) throw userNotFound(userId);
    return user;
  }

  /** Users whose faces match any of `queries`, best first, as UserMatch. */
  function rankUsers(scope: Scope, collection: string, queries: ArrayLike<number>[], threshold: number, limit: number, excludeUser?: string): UserMatch[] {
    const faces = stores.faces.in(scope);
    const users = stores.users.in(scope);
    const index = faces.index(collection);
    const scores = searchUsers(index, queries.map((q) => descriptorFor(Array.from(q), index.dimensions)), {
      threshold,
      limit,
      similarity,
      excludeUser,
      usersOf: (labels) => {
        const out = new Map<number, string>();
        for (const [label, row] of faces.byLabel(collection, labels)) if (row.user_id) out.set(label, row.user_id);
        return out;
      },
    });
    return scores.flatMap((s) => {
      const user = users.get(collection, s.userId);
      return user ? [{ Similarity: s.similarity, User: { UserId: user.user_id, UserStatus: statusNow(user) } }] : [];
    });
  }

  const createUser: Handler<'CreateUser'> = (input, ctx) => {
    const id = input.CollectionId;
    stores.collections.in(ctx).require(id);
    const users = stores.users.in(ctx);
    return stores.idempotency.in(ctx).once(
      ctx.operation,
      input,
      () => {
        // Wording from the API reference's description of ConflictException; no capture (AWS-BEHAVIOUR §6).
        if (users.get(id, input.UserId)) throw errors.conflict('A User with the same Id already exists within the collection.');
        users.insert(id, input.UserId, runtime.ids.uuid(), 'CREATED', runtime.clock.now());
        return {};
      },
      id,
    );
  };

  const deleteUser: Handler<'DeleteUser'> = (input, ctx) => {
    const id = input.CollectionId;
    stores.collections.in(ctx).require(id);
    return stores.idempotency.in(ctx).once(
      ctx.operation,
      input,
      () => {
        requireUser(ctx, id, input.UserId);
        // Its faces stay in the collection, no longer associated (API_DeleteUser).
        stores.faces.in(ctx).clearUser(id, input.UserId);
        stores.users.in(ctx).delete(id, input.UserId);
        return {};
      },
      id,
    );
  };

  const listUsers: Handler<'ListUsers'> = (input, ctx) => {
    const id = input.CollectionId;
    stores.collections.in(ctx).require(id);
    // Tokens hold the last internal id and are bound to their collection.
    const after = input.NextToken ? decodePageToken(input.NextToken, 'ListUsers', { boundTo: id }) : '';
    const limit = input.MaxResults ?? DEFAULT_USER_PAGE;
    // Ordered by the system-generated id, not by UserId (API_ListUsers).
    const rows = stores.users.in(ctx).list(id, after, limit);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      Users: page.map((u) => ({ UserId: u.user_id, UserStatus: statusNow(u) })),
      NextToken: rows.length > limit && last ? encodePageToken(last.internal_id, 'ListUsers', id) : undefined,
    };
  };

  const associateFaces: Handler<'AssociateFaces'> = (input, ctx) => {
    const id = input.CollectionId;
    stores.collections.in(ctx).require(id);
    const faces = stores.faces.in(ctx);
    return stores.idempotency.in(ctx).once(
      ctx.operation,
      input,
      () => {
        const user = requireUser(ctx, id, input.UserId);
        const existing = faces.ofUser(id, input.UserId);
        if (existing.length >= MAX_FACES_PER_USER) {
          // Wording is ours; AWS documents only the exception (API_AssociateFaces).
          throw errors.serviceQuotaExceeded(`The user ${input.UserId} already has the maximum of ${MAX_FACES_PER_USER} faces.`);
        }
        const userVectors = existing.map((row) => faces.vectorOf(id, row));
        const threshold = input.UserMatchThreshold ?? DEFAULT_ASSOCIATE_THRESHOLD;
        const accepted: FaceRow[] = [];
        const unsuccessful: UnsuccessfulFaceAssociation[] = [];
        for (const faceId of new Set(input.FaceIds)) {
          const row = faces.get(id, faceId);
          // UserId names the user a refused face belongs to, so only ASSOCIATED_TO_A_DIFFERENT_USER has
          // one (the API reference's AssociateFaces and DisassociateFaces examples, AWS-BEHAVIOUR §9).
          if (!row) {
            unsuccessful.push({ FaceId: faceId, Reasons: ['FACE_NOT_FOUND'] });
          } else if (row.user_id === input.UserId) {
            // Already this user's: ignored, in neither list (API_AssociateFaces).
          } else if (row.user_id) {
            unsuccessful.push({ FaceId: faceId, UserId: row.user_id, Reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] });
          } else {
            // Checked against the faces the user had before this call; a user with none accepts any face.
            const confidence = userMatchConfidence(faces.vectorOf(id, row), userVectors, similarity);
            if (confidence !== undefined && confidence < threshold) {
              unsuccessful.push({ FaceId: faceId, Confidence: confidence, Reasons: ['LOW_MATCH_CONFIDENCE'] });
            } else if (existing.length + accepted.length >= MAX_FACES_PER_USER) {
              // Over the per-user limit: refused, but the model has no reason for it, so none is given.
              unsuccessful.push({ FaceId: faceId });
            } else {
              accepted.push(row);
            }
          }
        }
        // A call that associates nothing changes nothing, so it reports the status as it is (our choice).
        let status = statusNow(user);
        if (accepted.length) {
          stores.transaction(() => {
            faces.setUser(
              accepted.map((r) => r.label),
              input.UserId,
            );
            status = startUpdate(ctx, id, input.UserId);
          });
        }
        return { AssociatedFaces: accepted.map((r) => ({ FaceId: r.face_id })), UnsuccessfulFaceAssociations: unsuccessful, UserStatus: status };
      },
      id,
    );
  };

  const disassociateFaces: Handler<'DisassociateFaces'> = (input, ctx) => {
    const id = input.CollectionId;
    stores.collections.in(ctx).require(id);
    const faces = stores.faces.in(ctx);
    return stores.idempotency.in(ctx).once(
      ctx.operation,
      input,
      () => {
        const user = requireUser(ctx, id, input.UserId);
        const removed: FaceRow[] = [];
        const unsuccessful: UnsuccessfulFaceDisassociation[] = [];
        for (const faceId of new Set(input.FaceIds)) {
          const row = faces.get(id, faceId);
          if (!row) unsuccessful.push({ FaceId: faceId, Reasons: ['FACE_NOT_FOUND'] });
          else if (row.user_id && row.user_id !== input.UserId) unsuccessful.push({ FaceId: faceId, UserId: row.user_id, Reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] });
          else if (row.user_id === input.UserId) removed.push(row);
          // A face associated with nobody is ignored (API_DisassociateFaces).
        }
        let status = statusNow(user);
        if (removed.length) {
          stores.transaction(() => {
            faces.setUser(
              removed.map((r) => r.label),
              null,
            );
            status = startUpdate(ctx, id, input.UserId);
          });
        }
        return {
          DisassociatedFaces: removed.map((r) => ({ FaceId: r.face_id })),
          UnsuccessfulFaceDisassociations: unsuccessful,
          UserStatus: status,
        };
      },
      id,
    );
  };

  const searchUsersHandler: Handler<'SearchUsers'> = (input, ctx) => {
    const collection = stores.collections.in(ctx).require(input.CollectionId);
    const id = collection.id;
    // Exactly one of UserId and FaceId (API_SearchUsers); AWS's message for a violation is not known.
    if ((input.UserId === undefined) === (input.FaceId === undefined)) throw errors.invalidParameter();
    const threshold = input.UserMatchThreshold ?? DEFAULT_USER_MATCH_THRESHOLD;
    const limit = input.MaxUsers ?? DEFAULT_USER_PAGE;
    const faces = stores.faces.in(ctx);
    if (input.FaceId !== undefined) {
      const row = faces.get(id, input.FaceId);
      // SearchFaces' message for an unknown face; assumed to be shared.
      if (!row) throw errors.invalidParameter('faceId was not found in the collection.');
      return {
        UserMatches: rankUsers(ctx, id, [faces.vectorOf(id, row)], threshold, limit),
        FaceModelVersion: collection.face_model_version,
        SearchedFace: { FaceId: row.face_id },
      };
    }
    const userId = input.UserId!;
    requireUser(ctx, id, userId);
    const queries = faces.ofUser(id, userId).map((row) => faces.vectorOf(id, row));
    return {
      // The searched user is not among its own matches, as a face is not in SearchFaces'.
      UserMatches: rankUsers(ctx, id, queries, threshold, limit, userId),
      FaceModelVersion: collection.face_model_version,
      SearchedUser: { UserId: userId },
    };
  };

  const searchUsersByImage: Handler<'SearchUsersByImage'> = async (input, ctx) => {
    const id = input.CollectionId;
    const collections = stores.collections.in(ctx);
    collections.require(id);
    const image = await loadImage(input.Image, { ...runtime, region: ctx.region });
    const filter = input.QualityFilter ?? 'NONE';
    const detected = largestFirst(await analysis.detect(image, { embeddings: true }));
    const collection = collections.require(id);

    // The largest face that passes the filter is searched; every other one says why it was not.
    let searched: DetectedFace | undefined;
    const unsearched: UnsearchedFace[] = [];
    detected.forEach((face, i) => {
      let reasons: UnsearchedFaceReason[] = qualityReasons(face.quality, filter);
      if (!reasons.length && !face.embedding?.length) reasons = ['LOW_FACE_QUALITY'];
      if (!reasons.length && i >= MAX_FACES_PER_IMAGE) reasons = ['EXCEEDS_MAX_FACES'];
      if (!reasons.length && !searched) searched = face;
      else unsearched.push({ FaceDetails: face.detail, Reasons: reasons.length ? reasons : ['FACE_NOT_LARGEST'] });
    });
    // No usable face is not an error here, unlike SearchFacesByImage (AWS-BEHAVIOUR §5).
    if (!searched) return { UserMatches: [], FaceModelVersion: collection.face_model_version, UnsearchedFaces: unsearched };
    return {
      UserMatches: rankUsers(ctx, id, [searched.embedding!], input.UserMatchThreshold ?? DEFAULT_USER_MATCH_THRESHOLD, input.MaxUsers ?? DEFAULT_USER_PAGE),
      FaceModelVersion: collection.face_model_version,
      SearchedFace: { FaceDetail: searched.detail },
      UnsearchedFaces: unsearched,
    };
  };

  return {
    createUser,
    deleteUser,
    listUsers,
    associateFaces,
    disassociateFaces,
    searchUsers: searchUsersHandler,
    searchUsersByImage,
  };
}
