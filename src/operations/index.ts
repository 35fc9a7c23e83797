/** Loads every operations module; each registers its handlers when imported. */
import './tags';
import './collections';
import './text';
import './image-analysis';
import './video';
import './liveness';
import './media-analysis';
import './custom-labels';
import './faces-detect';
import './faces';
import './users';
import './celebrities';
