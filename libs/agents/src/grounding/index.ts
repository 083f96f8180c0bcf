export * from './scorer';
export * from './dataset';
export * from './measure';
export { tokenize, sentences, stem } from './text';
