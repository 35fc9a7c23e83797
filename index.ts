/**
 * rekognition-local as a library: build an emulator in-process and, if wanted, serve it over HTTP
 * on a free port — e.g. in a test runner's global setup.
 */
export { createEmulator, ControlError, defaultConfig } from './src/emulator';
export type { Config, Credential, Emulator, EmulatorOverrides, ControlPlane, HealthReport, WireResponse } from './src/emulator';
export { serve } from './server/http';
export type { RunningServer, ServeOptions } from './server/http';
