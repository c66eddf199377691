// protobuf-java's full parse over the same corpora as `cargo bench --bench throughput`:
// varint32 framing, then `TurmsNotification.parser().parseFrom(array, offset, length)` per
// frame (what Netty's ProtobufDecoder does for a heap buffer). Run by benches/java/run.sh.

import com.google.protobuf.InvalidProtocolBufferException;
import im.turms.proto.TurmsNotificationOuterClass.TurmsNotification;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

public final class ParseBench {
    private static final int WARMUP_PASSES = 15;
    private static final int MEASURED_PASSES = 10;

    private static long frames;

    /** One pass over the whole stream; returns a value that depends on every frame. */
    private static long pass(byte[] wire) throws InvalidProtocolBufferException {
        long sink = 0;
        long n = 0;
        int pos = 0;
        while (pos < wire.length) {
            int len = 0;
            int shift = 0;
            byte b;
            do {
                b = wire[pos++];
                len |= (b & 0x7f) << shift;
                shift += 7;
            } while (b < 0);
            TurmsNotification notification = TurmsNotification.parser().parseFrom(wire, pos, len);
            sink += notification.getRequestId() + notification.getCode();
            pos += len;
            n++;
        }
        frames = n;
        return sink;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        System.out.printf("java %s, %d processor(s), class path %s%n",
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.class.path"));
        // Process CPU time includes the collector's threads; the JVM reports it in 10 ms steps.
        System.out.println("| corpus | frames | ns/frame (process CPU, median) | ns/frame (wall, median) | ns/frame (wall, best) |");
        System.out.println("|---|---:|---:|---:|---:|");
        long sink = 0;
        for (String file : args) {
            byte[] wire = Files.readAllBytes(Path.of(file));
            for (int i = 0; i < WARMUP_PASSES; i++) {
                sink += pass(wire);
            }
            double[] cpu = new double[MEASURED_PASSES];
            double[] wall = new double[MEASURED_PASSES];
            for (int i = 0; i < MEASURED_PASSES; i++) {
                long c0 = processCpuNanos();
                long t0 = System.nanoTime();
                sink += pass(wire);
                wall[i] = (System.nanoTime() - t0) / (double) frames;
                cpu[i] = (processCpuNanos() - c0) / (double) frames;
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            String name = Path.of(file).getFileName().toString().replace(".bin", "");
            System.out.printf("| %s | %d | %.1f | %.1f | %.1f |%n", name, frames,
                    cpu[MEASURED_PASSES / 2], wall[MEASURED_PASSES / 2], wall[0]);
        }
        System.out.println("(sink " + sink + ")");
    }
}
