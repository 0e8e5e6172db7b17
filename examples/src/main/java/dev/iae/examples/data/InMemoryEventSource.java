package dev.iae.examples.data;

import org.tribuo.ConfigurableDataSource;
import org.tribuo.Example;
import org.tribuo.OutputFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.provenance.ConfiguredDataSourceProvenance;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The part shared by this package's configurable image data sources ({@link FashionMnistDataSource},
 * {@link Cifar10DataSource}, {@link ImageFolderSource}): each builds all its examples in {@code postConfig()} and
 * hands them to {@link #setExamples}; this class holds them, iterates over them, and creates the source's provenance
 * once, on first request, through {@link #createProvenance()}.
 * <p>
 * It declares no {@code @Config} field, so each source's configuration and recorded provenance are exactly its own
 * fields.
 * @param <P> the type of the source's provenance.
 */
abstract class InMemoryEventSource<P extends ConfiguredDataSourceProvenance> implements ConfigurableDataSource<Event> {

    private List<Example<Event>> examples;
    private P provenance;

    /**
     * For subclasses (and, through them, OLCUT).
     */
    InMemoryEventSource() { }

    /**
     * Installs the examples built by {@code postConfig()} and forgets any earlier provenance.
     * @param list the examples, in order.
     */
    final void setExamples(List<Example<Event>> list) {
        examples = Collections.unmodifiableList(list);
        provenance = null;
    }

    /**
     * @return a new provenance of this source as it is now (called once, after the examples are installed).
     */
    abstract P createProvenance();

    /**
     * @return the number of examples.
     */
    public int size() {
        return examples.size();
    }

    /**
     * @return the number of examples, or 0 before they are built (for {@code toString()}).
     */
    final int sizeOrZero() {
        return examples == null ? 0 : examples.size();
    }

    @Override
    public OutputFactory<Event> getOutputFactory() {
        return OneClassSplit.outputFactory();
    }

    @Override
    public synchronized ConfiguredDataSourceProvenance getProvenance() {
        if (provenance == null) {
            provenance = createProvenance();
        }
        return provenance;
    }

    @Override
    public Iterator<Example<Event>> iterator() {
        return examples.iterator();
    }
}
