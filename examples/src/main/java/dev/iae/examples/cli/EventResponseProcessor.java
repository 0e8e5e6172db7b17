package dev.iae.examples.cli;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import org.tribuo.OutputFactory;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.data.columnar.ResponseProcessor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a CSV label column into anomaly {@link Event}s, explicitly, so that labels such as {@code 0}/{@code 1} do not
 * silently become {@code EXPECTED} (Tribuo's {@link AnomalyFactory} maps every label other than
 * {@code ANOMALOUS}/{@code EXPECTED}/{@code UNKNOWN} to {@code EXPECTED}).
 * <p>
 * Modes, by which settings are present:
 * <ul>
 *     <li>no {@code fieldName}: every row is {@code EXPECTED} (unlabelled one-class training data);</li>
 *     <li>{@code anomalousValues}: a row whose label is one of them is {@code ANOMALOUS}, any other row
 *     {@code EXPECTED};</li>
 *     <li>{@code expectedValues}: a row whose label is one of them is {@code EXPECTED}, any other row
 *     {@code ANOMALOUS};</li>
 *     <li>neither: the labels must be {@code ANOMALOUS} or {@code EXPECTED} (any case); another value is an
 *     error naming it.</li>
 * </ul>
 * With a label column, an empty or blank label is an error in every mode: it would otherwise silently become
 * {@code EXPECTED} (with {@code anomalousValues}) or {@code ANOMALOUS} (with {@code expectedValues}).
 * Unlike Tribuo's {@code BinaryResponseProcessor} it accepts several values per class. It is an OLCUT configurable,
 * so the mapping is recorded in the dataset provenance.
 */
public final class EventResponseProcessor implements ResponseProcessor<Event> {

    @Config(description = "The label column; empty means every row is EXPECTED.")
    private String fieldName = "";

    @Config(description = "Label values that mark an ANOMALOUS row (all others are EXPECTED).")
    private List<String> anomalousValues = new ArrayList<>();

    @Config(description = "Label values that mark an EXPECTED row (all others are ANOMALOUS).")
    private List<String> expectedValues = new ArrayList<>();

    private final AnomalyFactory factory = new AnomalyFactory();
    private Set<String> anomalous = Set.of();
    private Set<String> expected = Set.of();

    /** For OLCUT. */
    private EventResponseProcessor() { }

    /**
     * Creates a processor (see the class comment for the modes).
     * @param fieldName the label column, or null / empty when every row is {@code EXPECTED}.
     * @param anomalousValues values that mark an anomaly (may be empty).
     * @param expectedValues values that mark a normal row (may be empty; not together with anomalousValues).
     */
    public EventResponseProcessor(String fieldName, List<String> anomalousValues, List<String> expectedValues) {
        this.fieldName = fieldName == null ? "" : fieldName;
        this.anomalousValues = new ArrayList<>(anomalousValues);
        this.expectedValues = new ArrayList<>(expectedValues);
        postConfig();
    }

    /**
     * Used by OLCUT: validates the settings.
     */
    @Override
    public void postConfig() {
        if (!anomalousValues.isEmpty() && !expectedValues.isEmpty()) {
            throw new PropertyException("", "anomalousValues", "give anomalousValues or expectedValues, not both");
        }
        if (fieldName.isEmpty() && (!anomalousValues.isEmpty() || !expectedValues.isEmpty())) {
            throw new PropertyException("", "fieldName", "label values were given but no label column");
        }
        anomalous = new HashSet<>(trimmed(anomalousValues));
        expected = new HashSet<>(trimmed(expectedValues));
    }

    private static List<String> trimmed(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.add(v.trim());
        }
        return out;
    }

    /**
     * The event for one label value.
     * @param value the label (null when the row has no such column).
     * @return the event.
     * @throws IllegalArgumentException if the label is missing or blank, or no mapping was given and the value is
     *     not ANOMALOUS/EXPECTED.
     */
    public Event toEvent(String value) {
        if (fieldName.isEmpty()) {
            return AnomalyFactory.EXPECTED_EVENT;
        }
        String v = value == null ? "" : value.trim();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("A row has no label in column '" + fieldName + "'");
        }
        if (!anomalous.isEmpty()) {
            return anomalous.contains(v) ? AnomalyFactory.ANOMALOUS_EVENT : AnomalyFactory.EXPECTED_EVENT;
        }
        if (!expected.isEmpty()) {
            return expected.contains(v) ? AnomalyFactory.EXPECTED_EVENT : AnomalyFactory.ANOMALOUS_EVENT;
        }
        String upper = v.toUpperCase(Locale.ROOT);
        if (upper.equals("ANOMALOUS")) {
            return AnomalyFactory.ANOMALOUS_EVENT;
        } else if (upper.equals("EXPECTED")) {
            return AnomalyFactory.EXPECTED_EVENT;
        }
        throw new IllegalArgumentException("Label '" + v + "' in column '" + fieldName
                + "' is neither ANOMALOUS nor EXPECTED and no label mapping was given");
    }

    @Override
    public OutputFactory<Event> getOutputFactory() {
        return factory;
    }

    @Deprecated
    @Override
    public String getFieldName() {
        return fieldName;
    }

    @Deprecated
    @Override
    public void setFieldName(String fieldName) {
        this.fieldName = fieldName;
    }

    @Deprecated
    @Override
    public Optional<Event> process(String value) {
        return Optional.of(toEvent(value));
    }

    @Override
    public Optional<Event> process(List<String> values) {
        return Optional.of(toEvent(values.isEmpty() ? null : values.get(0)));
    }

    @Override
    public List<String> getFieldNames() {
        return fieldName.isEmpty() ? Collections.emptyList() : Collections.singletonList(fieldName);
    }

    @Override
    public String toString() {
        return "EventResponseProcessor(fieldName=" + fieldName + ",anomalousValues=" + anomalousValues
                + ",expectedValues=" + expectedValues + ")";
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "ResponseProcessor");
    }
}
