package io.llmagentos.core.tokenizer;

import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.internal.AddedTokenMatcher;
import io.llmagentos.core.tokenizer.internal.ByteLevel;
import io.llmagentos.core.tokenizer.internal.PairMap;
import io.llmagentos.core.tokenizer.internal.PreTokenizer;
import io.llmagentos.core.tokenizer.internal.ScannerPreTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Trains a byte-level BPE tokenizer the way Hugging Face's {@code BpeTrainer} does: split the text into
 * words with the pre-tokenizer, count distinct words, start from the 256 byte tokens, and repeatedly
 * merge the most frequent adjacent pair (ties broken by the smaller pair of ids) until the vocabulary is
 * full or no pair occurs {@code minFrequency} times. Word counting runs on every core; the merge loop
 * keeps, per pair, its count and the words it occurs in, so each merge only revisits those words.
 */
public final class BpeTrainer {
    private static final int CHUNK_CHARS = 1 << 20;

    private final BpeTrainerConfig config;
    private final int threads;

    public BpeTrainer(BpeTrainerConfig config) {
        this(config, Runtime.getRuntime().availableProcessors());
    }

    public BpeTrainer(BpeTrainerConfig config, int threads) {
        this.config = config;
        this.threads = Math.max(1, threads);
    }

    /** Trains on UTF-8 text files; a file that is not valid UTF-8 is an error naming it. */
    public Tokenizer trainFiles(List<Path> files, ProgressListener progress) throws IOException {
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        Map<String, int[]> counts;
        try (ProgressListener.Progress p = progress.start("count words", total, "B");
             WordCounter wc = new WordCounter()) {
            for (Path f : files) {
                var decoder = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
                try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(f), decoder),
                        1 << 16)) {
                    char[] buf = new char[CHUNK_CHARS];
                    StringBuilder carry = new StringBuilder();
                    int n;
                    while ((n = r.read(buf)) > 0) {
                        carry.append(buf, 0, n);
                        int cut = carry.lastIndexOf("\n");
                        if (cut >= 0 && carry.length() >= CHUNK_CHARS / 2) {
                            String chunk = carry.substring(0, cut + 1);
                            carry.delete(0, cut + 1);
                            wc.submit(chunk);
                            p.advance(chunk.getBytes(StandardCharsets.UTF_8).length);
                        }
                    }
                    if (carry.length() > 0) {
                        wc.submit(carry.toString());
                        p.advance(carry.toString().getBytes(StandardCharsets.UTF_8).length);
                    }
                } catch (CharacterCodingException e) {
                    throw new IOException(f + ": not valid UTF-8 (" + e.getMessage()
                            + "); convert the file to UTF-8 or clean it with agentos prep", e);
                }
            }
            counts = wc.finish();
        }
        return merge(counts, progress);
    }

    /** Trains on in-memory texts (documents); each text is split on its own. */
    public Tokenizer train(Iterable<String> texts, ProgressListener progress) {
        Map<String, int[]> counts;
        try (ProgressListener.Progress p = progress.start("count words", -1, "texts");
             WordCounter wc = new WordCounter()) {
            List<String> group = new ArrayList<>();
            long chars = 0;
            for (String t : texts) {
                group.add(t);
                chars += t.length();
                if (chars >= CHUNK_CHARS || group.size() >= 4096) {
                    wc.submitAll(group);
                    p.advance(group.size());
                    group = new ArrayList<>();
                    chars = 0;
                }
            }
            if (!group.isEmpty()) {
                wc.submitAll(group);
                p.advance(group.size());
            }
            counts = wc.finish();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return merge(counts, progress);
    }

    /** Counts byte-level words of text chunks on a thread pool, one map per task, summed at the end. */
    private final class WordCounter implements AutoCloseable {
        private final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bpe-count");
            t.setDaemon(true);
            return t;
        });
        private final BlockingQueue<Future<Map<String, int[]>>> inFlight = new ArrayBlockingQueue<>(threads * 2);
        private final Map<String, int[]> total = new HashMap<>();
        private final PreTokenizer pre = ScannerPreTokenizer.of(config.style());
        private final AddedTokenMatcher specials;

        WordCounter() {
            List<AddedToken> sp = new ArrayList<>();
            for (int i = 0; i < config.specialTokens().size(); i++) {
                sp.add(AddedToken.special(i, config.specialTokens().get(i)));
            }
            specials = new AddedTokenMatcher(sp);
        }

        void submit(String chunk) throws IOException {
            submitAll(List.of(chunk));
        }

        void submitAll(List<String> texts) throws IOException {
            if (inFlight.remainingCapacity() == 0) {
                addUp(inFlight.poll());
            }
            inFlight.add(pool.submit(() -> {
                Map<String, int[]> m = new HashMap<>();
                for (String text : texts) {
                    count(text, m);
                }
                return m;
            }));
        }

        private void count(String text, Map<String, int[]> m) {
            specials.split(text, new AddedTokenMatcher.Sink() {
                @Override
                public void text(int start, int end) {
                    pre.split(text, start, end, (a, b) -> m.computeIfAbsent(ByteLevel.encode(text, a, b),
                            k -> new int[1])[0]++);
                }

                @Override
                public void token(AddedToken token) {
                }
            });
        }

        private void addUp(Future<Map<String, int[]>> f) throws IOException {
            try {
                f.get().forEach((w, c) -> total.computeIfAbsent(w, k -> new int[1])[0] += c[0]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while counting words", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("word counting failed: " + e.getCause(), e.getCause());
            }
        }

        Map<String, int[]> finish() throws IOException {
            while (!inFlight.isEmpty()) {
                addUp(inFlight.poll());
            }
            return total;
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    private Tokenizer merge(Map<String, int[]> counts, ProgressListener progress) {
        List<String> vocab = new ArrayList<>(config.specialTokens());
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        TreeSet<String> alphabet = new TreeSet<>(Arrays.asList(ByteLevel.alphabet()));
        for (String c : alphabet) {
            if (!ids.containsKey(c)) {
                ids.put(c, vocab.size());
                vocab.add(c);
            }
        }
        MergeState st = new MergeState(counts, ids);
        List<String[]> merges = new ArrayList<>();
        int target = config.vocabSize() - vocab.size();
        try (ProgressListener.Progress p = progress.start("merges", Math.max(0, target), "merges")) {
            while (vocab.size() < config.vocabSize()) {
                int pair = st.best(config.minFrequency());
                if (pair < 0) {
                    break;
                }
                int a = st.left[pair];
                int b = st.right[pair];
                String merged = vocab.get(a) + vocab.get(b);
                Integer id = ids.get(merged);
                if (id == null) {
                    id = vocab.size();
                    vocab.add(merged);
                    ids.put(merged, id);
                    p.advance(1);
                }
                merges.add(new String[] {vocab.get(a), vocab.get(b)});
                st.apply(pair, id);
            }
        }
        return Tokenizer.fromTrained(config.style(), vocab, merges, config.specialTokens());
    }

    /**
     * Words as symbol arrays with their counts, and per pair its count, the words it occurs in (may hold
     * stale entries, checked on use) and a max-heap entry (lazy: re-checked against the count when popped).
     */
    private static final class MergeState {
        final int[][] words;
        final int[] wordLen;
        final int[] freq;
        final PairMap pairIndex = new PairMap(1 << 16);
        int[] left = new int[1 << 16];
        int[] right = new int[1 << 16];
        long[] count = new long[1 << 16];
        int[][] where = new int[1 << 16][];
        int[] whereLen = new int[1 << 16];
        int pairs;
        long[] heapCount = new long[1 << 16];
        int[] heapPair = new int[1 << 16];
        int heapSize;
        final int[] seen;
        int stamp;

        MergeState(Map<String, int[]> counts, Map<String, Integer> ids) {
            int n = counts.size();
            words = new int[n][];
            wordLen = new int[n];
            freq = new int[n];
            seen = new int[n];
            int w = 0;
            for (var e : counts.entrySet()) {
                String word = e.getKey();
                int[] sym = new int[word.length()];
                for (int i = 0; i < sym.length; i++) {
                    sym[i] = ids.get(String.valueOf(word.charAt(i)));
                }
                words[w] = sym;
                wordLen[w] = sym.length;
                freq[w] = e.getValue()[0];
                w++;
            }
            for (w = 0; w < n; w++) {
                addPairs(w, freq[w], null);
            }
            for (int p = 0; p < pairs; p++) {
                push(p);
            }
        }

        private int pairOf(int a, int b) {
            int p = pairIndex.get(a, b);
            if (p >= 0) {
                return p;
            }
            p = pairs++;
            if (p == left.length) {
                int cap = left.length * 2;
                left = Arrays.copyOf(left, cap);
                right = Arrays.copyOf(right, cap);
                count = Arrays.copyOf(count, cap);
                where = Arrays.copyOf(where, cap);
                whereLen = Arrays.copyOf(whereLen, cap);
            }
            left[p] = a;
            right[p] = b;
            pairIndex.put(a, b, p);
            return p;
        }

        /** Adds {@code delta} × each adjacent pair of word {@code w}; collects in {@code touched} the pairs that rose. */
        private void addPairs(int w, int delta, TreeSet<Integer> touched) {
            int[] s = words[w];
            for (int i = 0; i + 1 < wordLen[w]; i++) {
                int p = pairOf(s[i], s[i + 1]);
                count[p] += delta;
                if (delta > 0) {
                    int[] l = where[p];
                    int len = whereLen[p];
                    if (l == null) {
                        l = where[p] = new int[2];
                    }
                    if (len == 0 || l[len - 1] != w) {
                        if (len == l.length) {
                            l = where[p] = Arrays.copyOf(l, len * 2);
                        }
                        l[whereLen[p]++] = w;
                    }
                    if (touched != null) {
                        touched.add(p);
                    }
                }
            }
        }

        /** The pair to merge next, or -1 when none occurs {@code minFrequency} times. */
        int best(int minFrequency) {
            while (heapSize > 0) {
                int p = heapPair[0];
                long c = heapCount[0];
                popHeap();
                if (c != count[p]) {
                    if (count[p] > 0) {
                        push(p);
                    }
                    continue;
                }
                return c >= minFrequency ? p : -1;
            }
            return -1;
        }

        /** Merges pair {@code p} into token {@code id} in every word that holds it. */
        void apply(int p, int id) {
            int a = left[p];
            int b = right[p];
            stamp++;
            TreeSet<Integer> touched = new TreeSet<>();
            int[] ws = where[p];
            int n = whereLen[p];
            for (int k = 0; k < n; k++) {
                int w = ws[k];
                if (seen[w] == stamp) {
                    continue;
                }
                seen[w] = stamp;
                int[] s = words[w];
                int len = wordLen[w];
                boolean has = false;
                for (int i = 0; i + 1 < len; i++) {
                    if (s[i] == a && s[i + 1] == b) {
                        has = true;
                        break;
                    }
                }
                if (!has) {
                    continue;
                }
                addPairs(w, -freq[w], null);
                int out = 0;
                for (int i = 0; i < len; i++) {
                    if (i + 1 < len && s[i] == a && s[i + 1] == b) {
                        s[out++] = id;
                        i++;
                    } else {
                        s[out++] = s[i];
                    }
                }
                wordLen[w] = out;
                addPairs(w, freq[w], touched);
            }
            where[p] = null; // every occurrence is merged: the pair is gone
            whereLen[p] = 0;
            for (int q : touched) {
                if (left[q] == id || right[q] == id) {
                    push(q);
                }
            }
        }

        private boolean before(long c1, int p1, long c2, int p2) {
            if (c1 != c2) {
                return c1 > c2;
            }
            if (left[p1] != left[p2]) {
                return left[p1] < left[p2];
            }
            return right[p1] < right[p2];
        }

        private void push(int p) {
            if (heapSize == heapPair.length) {
                heapPair = Arrays.copyOf(heapPair, heapSize * 2);
                heapCount = Arrays.copyOf(heapCount, heapSize * 2);
            }
            int i = heapSize++;
            heapPair[i] = p;
            heapCount[i] = count[p];
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(heapCount[i], heapPair[i], heapCount[parent], heapPair[parent])) {
                    break;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void popHeap() {
            heapSize--;
            heapPair[0] = heapPair[heapSize];
            heapCount[0] = heapCount[heapSize];
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                if (l >= heapSize) {
                    break;
                }
                int c = l + 1 < heapSize && before(heapCount[l + 1], heapPair[l + 1], heapCount[l], heapPair[l]) ? l + 1 : l;
                if (!before(heapCount[c], heapPair[c], heapCount[i], heapPair[i])) {
                    break;
                }
                swap(i, c);
                i = c;
            }
        }

        private void swap(int i, int j) {
            int tp = heapPair[i];
            heapPair[i] = heapPair[j];
            heapPair[j] = tp;
            long tc = heapCount[i];
            heapCount[i] = heapCount[j];
            heapCount[j] = tc;
        }
    }
}
