package dev.afmflink.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.afmflink.model.Example;
import dev.afmflink.model.Loss;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LibfmReaderTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsPlainAndGzipSortedAndMerged() throws IOException {
        String text = "1 5:1 3:0.5 5:2\n-1 7:1\n";
        Path plain = write("a.libfm", text);
        Path gz = dir.resolve("a.libfm.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        for (Path p : List.of(plain, gz)) {
            List<Example> all = LibfmReader.readAll(p, Loss.SQUARED, false);
            assertEquals(2, all.size());
            Example e = all.get(0);
            assertEquals(1.0, e.label);
            assertEquals(2, e.size);
            assertArrayEquals(new long[] {3, 5}, java.util.Arrays.copyOf(e.ids, 2));
            assertArrayEquals(new double[] {0.5, 3.0}, java.util.Arrays.copyOf(e.values, 2)); // 5 repeated: summed
            assertEquals(-1.0, all.get(1).label);
        }
    }

    @Test
    void logisticReadsMinusOneAsZero() throws IOException {
        List<Example> all = LibfmReader.readAll(write("b.libfm", "-1 1:1\n1 2:1\n0 3:1\n"), Loss.LOGISTIC, false);
        assertEquals(0.0, all.get(0).label);
        assertEquals(1.0, all.get(1).label);
        assertEquals(0.0, all.get(2).label);
    }

    @Test
    void sixtyFourBitIds() throws IOException {
        List<Example> all = LibfmReader.readAll(write("c.libfm", "1 -4336081592911802818:1 18446744073709551615:1\n"),
                Loss.SQUARED, false);
        assertEquals(-4336081592911802818L, all.get(0).ids[0]);
        assertEquals(-1L, all.get(0).ids[1]); // 2^64 − 1 read unsigned
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1 3:1 oops 4:1|token 'oops' is not id:value",
        "1 3:1 4:NaN|not finite",
        "1 3:1 4:Infinity|not finite",
        "1 x:1|feature id 'x'",
        "1 3:abc|value 'abc'",
        "abc 3:1|label 'abc' is not a number",
        "''|empty line"})
    void badLineNamesFileAndLine(String bad, String reason) throws IOException {
        Path p = write("bad.libfm", "1 1:1\n" + bad + "\n1 2:1\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> LibfmReader.readAll(p, Loss.SQUARED, false));
        assertTrue(e.getMessage().startsWith(p + ":2: "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void labelOutOfRangeForTheLoss() throws IOException {
        Path p = write("lab.libfm", "1 1:1\n2 1:1\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> LibfmReader.readAll(p, Loss.LOGISTIC, false));
        assertTrue(e.getMessage().startsWith(p + ":2: label 2 is outside the logistic loss's range"), e.getMessage());
        assertEquals(2, LibfmReader.readAll(p, Loss.SQUARED, false).size()); // fine for regression
    }

    @Test
    void skipsAreCountedWhenAskedFor() throws IOException {
        Path p = write("skip.libfm", "1 1:1\n\n1 2:NaN\n-1 3:1\n1 4:x\n");
        try (LibfmReader r = new LibfmReader(p, Loss.SQUARED, true)) {
            Example e = new Example();
            assertTrue(r.next(e));
            assertEquals(1L, e.ids[0]);
            assertTrue(r.next(e));
            assertEquals(3L, e.ids[0]);
            assertFalse(r.next(e));
            assertEquals(3, r.skipped());
            assertEquals(p + ":2: empty line", r.firstSkip());
        }
    }

    @Test
    void zeroValuesAreDropped() throws IOException {
        Example e = LibfmReader.readAll(write("z.libfm", "1 1:0 2:1\n"), Loss.SQUARED, false).get(0);
        assertEquals(1, e.size);
        assertEquals(2L, e.ids[0]);
    }
}
