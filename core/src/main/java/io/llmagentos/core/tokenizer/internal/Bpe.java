package io.llmagentos.core.tokenizer.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model: a vocabulary of byte-level strings and a ranked list of merges. A word is encoded by
 * starting from its single byte-level chars and repeatedly merging the adjacent pair with the lowest
 * merge rank (the leftmost one on a tie) until no adjacent pair has a merge, as Hugging Face
 * {@code tokenizers} does. Immutable apart from a bounded, thread-safe cache of encoded words.
 */
public final class Bpe {
    /** Words up to this many symbols merge with a linear scan; longer ones with a heap. */
    static final int SCAN_LIMIT = 48;
    private static final int CACHE_CAPACITY = 200_000;
    private static final int CACHE_MAX_WORD = 64;

    private final String[] idToToken; // [vocab ids], null where an id is unused by the model
    private final Map<String, Integer> tokenToId;
    private final List<String[]> merges; // rank -> {left, right}
    private final PairMap mergeRank; // (left id, right id) -> rank
    private final int[] mergeResult; // rank -> merged id
    private final int[] byteIds = new int[256]; // byte -> id of its byte-level char, -1 if absent
    private final boolean ignoreMerges;
    private final Integer unkId;
    private final boolean fuseUnk;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab        token string to id
     * @param merges       merges in rank order, each {left, right}; both parts and their concatenation
     *                     must be in the vocabulary (checked by the caller, which can name the file)
     * @param ignoreMerges encode a word that is itself in the vocabulary as that one token (Llama 3)
     * @param unkToken     the token for chars missing from the vocabulary, or null to drop them
     */
    public Bpe(Map<String, Integer> vocab, List<String[]> merges, boolean ignoreMerges, String unkToken,
            boolean fuseUnk) {
        int max = -1;
        for (int id : vocab.values()) {
            max = Math.max(max, id);
        }
        this.idToToken = new String[max + 1];
        vocab.forEach((t, id) -> idToToken[id] = t);
        this.tokenToId = Map.copyOf(vocab);
        this.merges = List.copyOf(merges);
        this.mergeRank = new PairMap(merges.size());
        this.mergeResult = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            int a = vocab.get(m[0]);
            int b = vocab.get(m[1]);
            if (mergeRank.get(a, b) < 0) {
                mergeRank.put(a, b, r);
            }
            mergeResult[r] = vocab.get(m[0] + m[1]);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.byteToChar(b)));
            byteIds[b] = id == null ? -1 : id;
        }
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkToken == null ? null : vocab.get(unkToken);
        this.fuseUnk = fuseUnk;
    }

    /** One more than the largest id in the vocabulary. */
    public int size() {
        return idToToken.length;
    }

    public String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    public Integer id(String token) {
        return tokenToId.get(token);
    }

    public Map<String, Integer> vocab() {
        return tokenToId;
    }

    public List<String[]> merges() {
        return merges;
    }

    public boolean ignoreMerges() {
        return ignoreMerges;
    }

    /** The bytes (0..255) that have no token: text containing them cannot round-trip. */
    public int[] missingBytes() {
        return java.util.stream.IntStream.range(0, 256).filter(b -> byteIds[b] < 0).toArray();
    }

    /** Appends the ids of one pre-tokenized word given as byte-level chars. */
    public void encodeWord(String word, IntList out) {
        int[] cached = cache.get(word);
        if (cached != null) {
            out.addAll(cached);
            return;
        }
        int[] ids = encodeUncached(word);
        if (word.length() <= CACHE_MAX_WORD) {
            if (cache.size() >= CACHE_CAPACITY) {
                cache.clear();
            }
            cache.put(word, ids);
        }
        out.addAll(ids);
    }

    int[] encodeUncached(String word) {
        if (ignoreMerges) {
            Integer whole = tokenToId.get(word);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] sym = initialSymbols(word);
        int n = sym.length;
        if (n <= 1) {
            return sym;
        }
        return n <= SCAN_LIMIT ? mergeByScan(sym, n) : mergeByHeap(sym, n);
    }

    private int[] initialSymbols(String word) {
        int[] sym = new int[word.length()];
        int n = 0;
        boolean lastUnk = false;
        for (int i = 0; i < word.length(); i++) {
            int id = byteIds[ByteLevel.charToByte(word.charAt(i))];
            if (id >= 0) {
                sym[n++] = id;
                lastUnk = false;
            } else if (unkId != null) {
                if (!(fuseUnk && lastUnk)) {
                    sym[n++] = unkId;
                }
                lastUnk = true;
            }
        }
        return n == sym.length ? sym : Arrays.copyOf(sym, n);
    }

    /** Reference merge loop: find the lowest-rank adjacent pair (leftmost on ties), merge it, repeat. */
    int[] mergeByScan(int[] sym, int n) {
        while (n > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestPos = -1;
            for (int p = 0; p < n - 1; p++) {
                int r = mergeRank.get(sym[p], sym[p + 1]);
                if (r >= 0 && r < bestRank) {
                    bestRank = r;
                    bestPos = p;
                }
            }
            if (bestPos < 0) {
                break;
            }
            sym[bestPos] = mergeResult[bestRank];
            System.arraycopy(sym, bestPos + 2, sym, bestPos + 1, n - bestPos - 2);
            n--;
        }
        return Arrays.copyOf(sym, n);
    }

    /**
     * The same merges as {@link #mergeByScan} in O(n log n): a min-heap of (rank, position) candidates over
     * a linked list of symbols; a candidate whose pair changed since it was pushed is skipped when popped.
     */
    int[] mergeByHeap(int[] sym, int n) {
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        long[] heap = new long[n];
        int size = 0;
        for (int i = 0; i < n - 1; i++) {
            int r = mergeRank.get(sym[i], sym[i + 1]);
            if (r >= 0) {
                size = push(heap, size, ((long) r << 32) | i);
            }
        }
        boolean[] dead = new boolean[n];
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int r = (int) (top >>> 32);
            int i = (int) top;
            int j = dead[i] ? -1 : next[i];
            if (j < 0 || mergeRank.get(sym[i], sym[j]) != r) {
                continue;
            }
            sym[i] = mergeResult[r];
            dead[j] = true;
            next[i] = next[j];
            if (next[j] >= 0) {
                prev[next[j]] = i;
            }
            if (heap.length < size + 2) {
                heap = Arrays.copyOf(heap, heap.length * 2 + 2);
            }
            if (prev[i] >= 0) {
                int rl = mergeRank.get(sym[prev[i]], sym[i]);
                if (rl >= 0) {
                    size = push(heap, size, ((long) rl << 32) | prev[i]);
                }
            }
            if (next[i] >= 0) {
                int rr = mergeRank.get(sym[i], sym[next[i]]);
                if (rr >= 0) {
                    size = push(heap, size, ((long) rr << 32) | i);
                }
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(sym[i]);
        }
        return out.toArray();
    }

    private static int push(long[] heap, int size, long v) {
        int i = size;
        heap[i] = v;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (heap[p] <= heap[i]) {
                break;
            }
            long t = heap[p];
            heap[p] = heap[i];
            heap[i] = t;
            i = p;
        }
        return size + 1;
    }

    private static int pop(long[] heap, int size) {
        size--;
        heap[0] = heap[size];
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int c = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
            if (heap[i] <= heap[c]) {
                break;
            }
            long t = heap[c];
            heap[c] = heap[i];
            heap[i] = t;
            i = c;
        }
        return size;
    }
}
