// The public API of the parsers.
export { crc32c, maskedCrc32c } from './crc32c';
export { createCsvParser, csvFormat } from './csv';
export { type InspectOptions, type InspectResult, inspectBytes } from './inspect';
export { createJsonlParser, jsonlFormat, parseJsonLenient } from './jsonl';
export { createLogScanner, type Fatal, type FatalKind, judgeTail, type LogScanner } from './log-facts';
export { compileUserRegex, createRegexParser, regexFormat } from './regex';
export { createParser, type Detection, detectFormat, FORMATS, formatById } from './registry';
export { createTextParser, textFormat } from './text';
export { createTfeventsParser, decodeEvent, tfeventsFormat } from './tfevents';
export { createTrainerStateParser, trainerStateFormat } from './trainer-state';
export type {
  FileFacts,
  FormatId,
  FormatModule,
  ParseResult,
  Parser,
  ParserOptions,
  ParseWarning,
  Progress,
} from './types';
