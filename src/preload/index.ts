// Sandboxed preload entry (built as CommonJS): the only file of the preload that touches Electron.

import { contextBridge, ipcRenderer } from 'electron';
import { exposeVigilApi } from './api';

exposeVigilApi(contextBridge, ipcRenderer);
