/**
 * Dispatch of trials to devices (Quartz) and DJL training runs. Filled by the worker issue; the module exists
 * so that the dependency chain examples -> web -> worker -> search -> core is in place.
 */
package dev.tuna.worker;
