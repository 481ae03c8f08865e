// typed-array-utils ships its TypeScript source next to its .d.ts, and under NodeNext
// resolution the compiler reads the source, which names the DOM type BufferSource. This
// project compiles without the DOM library, so the type is declared here, as the DOM does.
type BufferSource = ArrayBufferView | ArrayBuffer;
