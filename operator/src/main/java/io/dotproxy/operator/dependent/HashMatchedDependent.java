package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.DesiredStateHash;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;

/** An owned object whose rendering carries a {@link DesiredStateHash}; it is rewritten when the hash differs. */
abstract class HashMatchedDependent<R extends HasMetadata> extends OwnedDependent<R> {

  HashMatchedDependent(Class<R> resourceType) {
    super(resourceType);
  }

  @Override
  public Matcher.Result<R> match(R actual, DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    R desired = desired(primary, context);
    return Matcher.Result.computed(DesiredStateHash.same(actual, desired), desired);
  }
}
