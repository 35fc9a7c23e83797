/** Face collections: the collections themselves, the faces indexed into them and their users. */
import type { FaceAnalysis } from '../../analysis/faces';
import type { ApiProvider } from '../../api/handlers';
import type { ProviderDeps } from '../deps';
import { collectionHandlers } from './collections';
import { faceHandlers } from './faces';
import { userHandlers } from './users';

/** `analysis`: the face analysis shared by every face operation (one cache of recent images). */
export function createCollectionsProvider(deps: ProviderDeps, analysis: FaceAnalysis): ApiProvider {
  const collections = collectionHandlers(deps);
  const faces = faceHandlers(deps, analysis);
  const users = userHandlers(deps, analysis);
  return {
    name: 'collections',
    taggable: { collection: (scope, id) => deps.stores.collections.in(scope).find(id) !== undefined },
    handlers: {
      CreateCollection: { handle: collections.createCollection },
      DescribeCollection: { handle: collections.describeCollection },
      ListCollections: { handle: collections.listCollections },
      DeleteCollection: { handle: collections.deleteCollection },
      IndexFaces: { handle: faces.indexFaces },
      ListFaces: { handle: faces.listFaces },
      DeleteFaces: { handle: faces.deleteFaces },
      SearchFaces: { handle: faces.searchFaces },
      SearchFacesByImage: { handle: faces.searchFacesByImage },
      CreateUser: { handle: users.createUser },
      DeleteUser: { handle: users.deleteUser },
      ListUsers: {
        handle: users.listUsers,
        notes: 'UserStatus is CREATED until faces are first associated, UPDATING for --user-update-delay seconds (default 2) after each change of faces, then ACTIVE. CREATING is never reported.',
      },
      AssociateFaces: {
        handle: users.associateFaces,
        notes: 'Answers UserStatus UPDATING when it associated faces, as AWS does; the user turns ACTIVE after --user-update-delay seconds. A call that associates nothing reports the status as it is.',
      },
      DisassociateFaces: {
        handle: users.disassociateFaces,
        notes: 'Answers UserStatus UPDATING when it removed faces; the user turns ACTIVE after --user-update-delay seconds, also without faces left (AWS does not say). A call that removes nothing reports the status as it is.',
      },
      SearchUsers: { handle: users.searchUsers },
      SearchUsersByImage: { handle: users.searchUsersByImage },
    },
    reset() {
      analysis.clear();
    },
  };
}
