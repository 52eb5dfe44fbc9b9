export * from './types';
export { Analyzer, analyzeNotebook, type CellFactsStore } from './analyzer';
export { analyzeCell, summarizeCell } from './cellFacts';
export { inferDataflow, type Dataflow, type DataflowInput } from './dataflow';
export { readParameters } from './parameters';
export { blankMagics } from './magics';
export { notebookPosition } from './positions';
export { toAnalysisReport, formatAnalysisReport, formatDiagnostic, formatErrors, type AnalysisReport, type StepPackages } from './report';
