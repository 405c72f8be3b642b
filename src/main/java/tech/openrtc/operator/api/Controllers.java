package tech.openrtc.operator.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.Optional;

/** An object's controller: the one ownerReference with {@code controller: true} (the API server allows at most one). */
public final class Controllers {

  private Controllers() {}

  public static Optional<OwnerReference> of(HasMetadata o) {
    var refs = o.getMetadata().getOwnerReferences();
    return refs == null ? Optional.empty()
        : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }

  /** The controller's uid, null when there is none. */
  public static String uid(HasMetadata o) {
    return of(o).map(OwnerReference::getUid).orElse(null);
  }
}
