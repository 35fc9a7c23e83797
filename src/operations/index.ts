/** Loads every operations module; each registers its handlers when imported. */
import './tags';
import './collections';
import './video';
import './faces';
import './faces-detect';
import './users';
import './celebrities';
import './liveness';
import './media-analysis';
import './custom-labels';
import './stream-processors';
