package dev.iae.examples.data;

import com.oracle.labs.mlrg.olcut.config.Configurable;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.SkeletalConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.DateTimeProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.HashProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.IntProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.tribuo.provenance.ConfiguredDataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The provenance shared by this package's configurable data sources: the configured settings (collected by OLCUT
 * from the host's {@code @Config} fields), one or more SHA-256 fingerprints of the data read, the number of examples
 * produced and the creation time.
 * <p>
 * Each source keeps its own public subclass (its class name is what OLCUT records and instantiates when the
 * provenance is unmarshalled) that names its fingerprint keys; this class holds the fields, the unmarshalling and
 * {@link #getInstanceValues()} so that the three sources record their instance values the same way.
 */
public abstract class HashedDataSourceProvenance extends SkeletalConfiguredObjectProvenance
        implements ConfiguredDataSourceProvenance {
    private static final long serialVersionUID = 1L;

    /** Key of the number of examples produced. */
    public static final String NUM_EXAMPLES = "num-examples";

    private final List<HashProvenance> hashes;
    private final IntProvenance numExamples;
    private final DateTimeProvenance creationTime;

    /**
     * Records a data source as it is now, stamped with the current time.
     * @param host the data source.
     * @param hashes its data fingerprints, in the order they are listed.
     * @param numExamples the number of examples it produced.
     * @param <T> the data source type.
     */
    protected <T extends Configurable> HashedDataSourceProvenance(T host, List<HashProvenance> hashes,
                                                                   int numExamples) {
        super(host, "DataSource");
        this.hashes = List.copyOf(hashes);
        this.numExamples = new IntProvenance(NUM_EXAMPLES, numExamples);
        this.creationTime = new DateTimeProvenance(DATASOURCE_CREATION_TIME, OffsetDateTime.now());
    }

    /**
     * Reconstructs a provenance from its marshalled form.
     * @param map the map of field values.
     * @param type the concrete provenance class (named in the error if a field is missing or has the wrong type).
     * @param hashKeys the keys of the data fingerprints, in order.
     */
    protected HashedDataSourceProvenance(Map<String, Provenance> map, Class<? extends HashedDataSourceProvenance> type,
                                         String... hashKeys) {
        this(extractProvenanceInfo(map, type.getSimpleName(), hashKeys), hashKeys);
    }

    private HashedDataSourceProvenance(ExtractedInfo info, String[] hashKeys) {
        super(info);
        List<HashProvenance> list = new ArrayList<>(hashKeys.length);
        for (String key : hashKeys) {
            list.add((HashProvenance) info.instanceValues.get(key));
        }
        this.hashes = Collections.unmodifiableList(list);
        this.numExamples = (IntProvenance) info.instanceValues.get(NUM_EXAMPLES);
        this.creationTime = (DateTimeProvenance) info.instanceValues.get(DATASOURCE_CREATION_TIME);
    }

    /**
     * Separates the configured parameters from the instance values (fingerprints, example count, creation time).
     * @param map the marshalled provenance.
     * @param self the simple name of the provenance class, for error messages.
     * @param hashKeys the keys of the data fingerprints.
     * @return the extracted information.
     */
    private static ExtractedInfo extractProvenanceInfo(Map<String, Provenance> map, String self, String[] hashKeys) {
        Map<String, Provenance> configuredParameters = new HashMap<>(map);
        String className = ObjectProvenance.checkAndExtractProvenance(configuredParameters, CLASS_NAME,
                StringProvenance.class, self).getValue();
        String hostTypeStringName = ObjectProvenance.checkAndExtractProvenance(configuredParameters,
                HOST_SHORT_NAME, StringProvenance.class, self).getValue();
        Map<String, PrimitiveProvenance<?>> instanceParameters = new HashMap<>();
        for (String key : hashKeys) {
            instanceParameters.put(key, ObjectProvenance.checkAndExtractProvenance(configuredParameters, key,
                    HashProvenance.class, self));
        }
        instanceParameters.put(NUM_EXAMPLES, ObjectProvenance.checkAndExtractProvenance(configuredParameters,
                NUM_EXAMPLES, IntProvenance.class, self));
        instanceParameters.put(DATASOURCE_CREATION_TIME, ObjectProvenance.checkAndExtractProvenance(
                configuredParameters, DATASOURCE_CREATION_TIME, DateTimeProvenance.class, self));
        return new ExtractedInfo(className, hostTypeStringName, configuredParameters, instanceParameters);
    }

    @Override
    public Map<String, PrimitiveProvenance<?>> getInstanceValues() {
        Map<String, PrimitiveProvenance<?>> map = super.getInstanceValues();
        for (HashProvenance hash : hashes) {
            map.put(hash.getKey(), hash);
        }
        map.put(numExamples.getKey(), numExamples);
        map.put(creationTime.getKey(), creationTime);
        return map;
    }
}
