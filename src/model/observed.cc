#include "model/observed.h"

namespace tgwark::model {

const ObservedTable* ObservedState::find(const std::string& tableId) const {
  auto it = tables.find(tableId);
  return it == tables.end() ? nullptr : &it->second;
}

}  // namespace tgwark::model
