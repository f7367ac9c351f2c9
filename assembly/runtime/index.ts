// The core's runtime (asconfig.json "runtime"): AssemblyScript's TLSF allocator growing by runs of
// pages from a pool the instance's contexts share (tlsf.ts, pages.ts), and no garbage collector
// (nogc.ts). See docs/plans/shared-cores.md.
import "./tlsf";
import "./nogc";
