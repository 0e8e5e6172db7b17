package dev.iae.tribuo;

import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.Event;
import org.tribuo.protos.core.ModelProto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketPermission;
import java.net.URI;
import java.net.URLPermission;
import java.nio.channels.SocketChannel;
import java.security.Permission;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child-JVM entry point of {@link NoNetworkTest} and {@link ReproducibilityTest}. Installs {@link Guard}, a
 * {@link SecurityManager} that reports and refuses every network permission (socket connect, accept, resolve, and
 * {@link URLPermission}, which together cover {@code java.net} sockets, NIO channels, {@code HttpURLConnection}
 * and DNS look-ups) for any host but loopback, then runs one scenario:
 * <ul>
 *     <li>{@code train-predict}: trains a tiny IAE-LSTM-KL model (DJL engine start-up included, with only the
 *     settings the project itself applies), predicts, round-trips it through Tribuo protobuf, Java serialization
 *     and a plain ONNX file, predicts again, and reports the scores;</li>
 *     <li>{@code control}: deliberately connects to non-loopback addresses (plain socket and NIO) and to a loopback
 *     server, to show what the guard catches and what it lets through;</li>
 *     <li>{@code djl-default}: loads DJL's engine with DJL's own defaults (none of the project's properties), to
 *     show its start-up telemetry being caught.</li>
 * </ul>
 * Output lines start with {@link ReliabilityFixtures#REPORT}: {@code @@NET <actions> <target>} per refused attempt,
 * {@code @@SCORES a,b,...}, {@code @@DONE}.
 */
public final class NetworkGuardMain {

    private static final AtomicInteger ATTEMPTS = new AtomicInteger();

    private NetworkGuardMain() { }

    /**
     * Reports and refuses network permissions for non-loopback hosts; allows everything else.
     */
    public static final class Guard extends SecurityManager {
        private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "localhost.localdomain", "::1",
                "0:0:0:0:0:0:0:1", "ip6-localhost");
        private final ThreadLocal<Boolean> busy = ThreadLocal.withInitial(() -> false);

        /** Creates the guard (public no-arg constructor, so it can also be named by -Djava.security.manager). */
        public Guard() { }

        @Override
        public void checkPermission(Permission perm) {
            inspect(perm);
        }

        @Override
        public void checkPermission(Permission perm, Object context) {
            inspect(perm);
        }

        private void inspect(Permission perm) {
            String host;
            if (perm instanceof SocketPermission) {
                host = socketHost(perm.getName());
            } else if (perm instanceof URLPermission) {
                host = urlHost(perm.getName());
            } else {
                return;
            }
            if (isLoopback(host) || busy.get()) {
                return;
            }
            busy.set(true);
            try {
                ATTEMPTS.incrementAndGet();
                System.out.println(ReliabilityFixtures.REPORT + "NET " + perm.getActions() + " " + perm.getName());
                System.out.flush();
                new Throwable("network attempt: " + perm).printStackTrace();
            } finally {
                busy.set(false);
            }
            throw new SecurityException("NetworkGuardMain: network access to '" + perm.getName() + "' refused ("
                    + perm.getActions() + ")");
        }

        private static String socketHost(String name) {
            if (name.startsWith("[")) {
                int end = name.indexOf(']');
                return end < 0 ? name : name.substring(1, end);
            }
            int colon = name.indexOf(':');
            return colon < 0 ? name : name.substring(0, colon);
        }

        private static String urlHost(String url) {
            try {
                String h = URI.create(url).getHost();
                return h == null ? url : h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
            } catch (IllegalArgumentException e) {
                return url;
            }
        }

        private static boolean isLoopback(String host) {
            String h = host.toLowerCase(Locale.ROOT);
            return LOOPBACK_NAMES.contains(h) || h.startsWith("127.");
        }
    }

    /**
     * @param args the scenario name.
     * @throws Exception on failure (the parent checks the exit code).
     */
    public static void main(String[] args) throws Exception {
        if (!(System.getSecurityManager() instanceof Guard)) {
            System.setSecurityManager(new Guard());
        }
        String scenario = args.length > 0 ? args[0] : "train-predict";
        switch (scenario) {
            case "train-predict":
                trainPredict();
                break;
            case "control":
                control();
                break;
            case "djl-default":
                djlDefault();
                break;
            default:
                throw new IllegalArgumentException("Unknown scenario " + scenario);
        }
        System.out.println(ReliabilityFixtures.REPORT + "ATTEMPTS " + ATTEMPTS.get());
        System.out.println(ReliabilityFixtures.REPORT + "DONE");
        System.out.flush();
        System.exit(0);
    }

    private static void trainPredict() throws Exception {
        String[] names = IaeModelFixtures.names("f", 5);
        MutableDataset<Event> train = ReliabilityFixtures.gaussian(names, 200, 3L, Event.EventType.EXPECTED);
        MutableDataset<Event> test = ReliabilityFixtures.gaussian(names, 50, 4L, Event.EventType.EXPECTED);
        IaeTrainer trainer = ReliabilityFixtures.tinyTrainer().build();
        try (IaeModel model = trainer.train(train)) {
            double[] scores = ReliabilityFixtures.scores(model.predict(test));
            // Tribuo protobuf round trip.
            byte[] proto = model.serialize().toByteArray();
            try (IaeModel p = (IaeModel) Model.deserialize(ModelProto.parseFrom(proto))) {
                same(scores, p.predict(test), "protobuf");
            }
            // Java serialization round trip.
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
                oos.writeObject(model);
            }
            try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()));
                 IaeModel j = (IaeModel) ois.readObject()) {
                same(scores, j.predict(test), "java serialization");
            }
            // Plain ONNX bytes.
            try (IaeModel o = IaeModel.fromOnnx("onnx", model.getProvenance(), model.getFeatureIDMap(),
                    model.getOutputIDInfo(), model.onnxBytes(), ExecutionProvider.AUTO)) {
                same(scores, o.predict(test), "onnx");
            }
            StringJoiner j = new StringJoiner(",");
            for (double s : scores) {
                j.add(Double.toString(s));
            }
            System.out.println(ReliabilityFixtures.REPORT + "SCORES " + j);
        }
    }

    private static void same(double[] expected, List<Prediction<Event>> actual, String what) {
        double[] a = ReliabilityFixtures.scores(actual);
        for (int i = 0; i < expected.length; i++) {
            if (Double.compare(expected[i], a[i]) != 0) {
                throw new AssertionError(what + ": score " + i + " changed from " + expected[i] + " to " + a[i]);
            }
        }
    }

    private static void control() throws Exception {
        // Plain socket to the cloud metadata address DJL's telemetry uses.
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("169.254.169.254", 80), 200);
            System.out.println(ReliabilityFixtures.REPORT + "CONNECTED 169.254.169.254:80");
        } catch (SecurityException | java.io.IOException e) {
            System.out.println(ReliabilityFixtures.REPORT + "REFUSED socket " + e.getClass().getSimpleName());
        }
        // NIO channel to a private address.
        try (SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(true);
            ch.socket().connect(new InetSocketAddress("10.255.255.1", 81), 200);
            System.out.println(ReliabilityFixtures.REPORT + "CONNECTED 10.255.255.1:81");
        } catch (SecurityException | java.io.IOException e) {
            System.out.println(ReliabilityFixtures.REPORT + "REFUSED nio " + e.getClass().getSimpleName());
        }
        // Loopback is allowed (and not reported).
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             Socket s = new Socket()) {
            s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort()), 1000);
            try (Socket accepted = server.accept()) {
                System.out.println(ReliabilityFixtures.REPORT + "LOOPBACK " + (accepted.isConnected() ? "ok" : "no"));
            }
        }
    }

    private static void djlDefault() {
        try {
            ai.djl.engine.Engine engine = ai.djl.engine.Engine.getInstance();
            System.out.println(ReliabilityFixtures.REPORT + "ENGINE " + engine.getEngineName());
        } catch (Throwable t) {
            // The refused telemetry connection escapes DJL's start-up as a SecurityException.
            System.out.println(ReliabilityFixtures.REPORT + "ENGINE failed " + t);
        }
    }
}
