/** Loads every operations module; each registers its handlers when imported. */
import './tags';
import './collections';
import './text';
import './faces-detect';
import './faces';
import './users';
import './celebrities';
