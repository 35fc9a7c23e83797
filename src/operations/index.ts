/** Loads every operations module; each registers its handlers when imported. */
import './tags';
