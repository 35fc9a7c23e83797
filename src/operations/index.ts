/** Loads every operations module; each registers its handlers when imported. */
import './tags';
import './collections';
import './text';
import './image-analysis';
import './faces';
import './faces-detect';
import './users';
import './celebrities';
import './liveness';
import './custom-labels';
import './stream-processors';
