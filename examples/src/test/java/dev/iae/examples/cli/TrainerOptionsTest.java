package dev.iae.examples.cli;

import com.oracle.labs.mlrg.olcut.provenance.ListProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import dev.iae.tribuo.IaeTrainer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer settings of {@code iae train}, parsed by picocli from a command line as the tool does and built into
 * a real {@link IaeTrainer} through OLCUT (no training): {@code --set} gives a list property one value as well as
 * several, both without and with a configuration file.
 */
public class TrainerOptionsTest {
    /** Parses the options as {@code iae train} would and builds the trainer (tabular data). */
    private static IaeTrainer build(String... args) {
        TrainerOptions options = new TrainerOptions();
        new CommandLine(options).parseArgs(args);
        return options.build(null);
    }

    private static Object setting(IaeTrainer trainer, String name) {
        Map<String, Provenance> settings = trainer.getProvenance().getConfiguredParameters();
        Provenance p = settings.get(name);
        if (p instanceof ListProvenance<?> list) {
            List<Object> items = new ArrayList<>();
            for (Provenance item : list) {
                items.add(((PrimitiveProvenance<?>) item).getValue());
            }
            return items;
        }
        return ((PrimitiveProvenance<?>) p).getValue();
    }

    @Test
    public void setGivesAListPropertyASingleValue() {
        IaeTrainer trainer = build("--set", "encoderSizes=64", "--set", "epochs=3");
        assertEquals(List.of(64), setting(trainer, "encoderSizes"));
        assertEquals(3, setting(trainer, "epochs"));
        // Several values, as before.
        assertEquals(List.of(16, 8), setting(build("--set", "encoderSizes=16,8"), "encoderSizes"));
    }

    @Test
    public void setGivesAListPropertyASingleValueOverAConfigurationFile() {
        IaeTrainer trainer = build("--config", "classpath:/config/iae-lstm-kl-tabular.xml",
                "--set", "encoderSizes=12");
        assertEquals(List.of(12), setting(trainer, "encoderSizes"));
    }

    @Test
    public void listFieldsAreFoundOnTheTrainer() {
        assertTrue(TrainerOptions.isListField("encoderSizes"));
        assertTrue(TrainerOptions.isListField("imageShape"));
        assertEquals(Boolean.FALSE, TrainerOptions.isListField("epochs"));
        assertNull(TrainerOptions.isListField("noSuchSetting"));
    }

    @Test
    public void anInvalidSingleListValueIsTheTrainersOwnError() {
        CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class,
                () -> build("--set", "encoderSizes=-3"));
        assertTrue(e.getMessage().contains("encoderSizes must be positive"), e.getMessage());
    }

    /**
     * Every {@code @Config} field of the trainer has an option (the tool's help is where a user finds the settings),
     * and each option reaches its field: given a value, the field's provenance records it.
     */
    @Test
    public void everyTrainerSettingHasAnOption() {
        Map<String, String> renamed = Map.of("scoreKind", "--score", "executionProvider", "--device");
        Set<String> options = new HashSet<>();
        for (CommandLine.Model.OptionSpec o : new CommandLine(new TrainerOptions()).getCommandSpec().options()) {
            options.addAll(List.of(o.names()));
        }
        List<String> missing = new ArrayList<>();
        for (java.lang.reflect.Field f : IaeTrainer.class.getDeclaredFields()) {
            if (f.isAnnotationPresent(com.oracle.labs.mlrg.olcut.config.Config.class)) {
                String option = renamed.getOrDefault(f.getName(),
                        "--" + f.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT));
                if (!options.contains(option)) {
                    missing.add(f.getName() + " (" + option + ")");
                }
            }
        }
        assertEquals(List.of(), missing, "trainer settings without an option");
        IaeTrainer trainer = build("--rec-weight", "0.5", "--warm-up-epochs", "2", "--score", "COMBINED");
        assertEquals(0.5, setting(trainer, "recWeight"));
        assertEquals(2, setting(trainer, "warmUpEpochs"));
        assertEquals("COMBINED", setting(trainer, "scoreKind").toString());
    }
}
